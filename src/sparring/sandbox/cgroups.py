"""Per-run cgroups for memory and process-count limits, on cgroup v1 or v2, when the host lets us.

A run's group is created below the cgroup this process already lives in (never at the root), so the
host's own accounting still covers sandboxed work. The started process joins the group itself before
it execs anything (see ``procs_files``), so a fork bomb cannot escape between spawn and join.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

_ROOT = Path("/sys/fs/cgroup")
_counter = itertools.count()


@dataclass(frozen=True)
class CgroupSupport:
    """Which cgroup layout can be used here; ``version`` is None when none is writable."""

    version: int | None
    reason: str
    memory_base: Path | None = None
    pids_base: Path | None = None


def _own_paths() -> dict[str, str]:
    """Map controller name ("" for v2) to this process's cgroup path."""
    paths: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                paths[c] = path
    return paths


def _writable_dir(base: Path) -> bool:
    probe = base / f"sparring-probe-{os.getpid()}-{next(_counter)}"
    try:
        probe.mkdir()
    except OSError:
        return False
    with contextlib.suppress(OSError):
        probe.rmdir()
    return True


def detect() -> CgroupSupport:
    """Find a writable cgroup hierarchy with memory and pids controllers."""
    own = _own_paths()
    if (_ROOT / "cgroup.controllers").exists():
        base = _ROOT / own.get("", "/").lstrip("/")
        controllers = (base / "cgroup.subtree_control").read_text() if base.exists() else ""
        if not {"memory", "pids"} <= set(controllers.split()):
            return CgroupSupport(None, f"cgroup v2: memory/pids not delegated to {base}")
        if not _writable_dir(base):
            return CgroupSupport(None, f"cgroup v2: {base} is not writable")
        return CgroupSupport(2, f"cgroup v2 under {base}", base, base)
    memory = _ROOT / "memory" / own.get("memory", "/").lstrip("/")
    pids = _ROOT / "pids" / own.get("pids", "/").lstrip("/")
    if not (memory.is_dir() and pids.is_dir()):
        return CgroupSupport(None, "no cgroup v1 memory and pids hierarchies mounted")
    if not (_writable_dir(memory) and _writable_dir(pids)):
        return CgroupSupport(None, f"cgroup v1: {memory} or {pids} is not writable")
    return CgroupSupport(1, f"cgroup v1 under {memory} and {pids}", memory, pids)


class RunCgroup:
    """The memory and pids groups of one run: create, let the process join, read events, kill, remove."""

    def __init__(self, support: CgroupSupport, *, memory: int, pids: int) -> None:
        assert support.version and support.memory_base and support.pids_base
        self.version = support.version
        name = f"sparring-{os.getpid()}-{next(_counter)}"
        self.dirs = [support.memory_base / name]
        if support.pids_base != support.memory_base:
            self.dirs.append(support.pids_base / name)
        for d in self.dirs:
            d.mkdir()
        self._memory_dir, self._pids_dir = self.dirs[0], self.dirs[-1]
        if self.version == 2:
            (self._memory_dir / "memory.max").write_text(str(memory))
            with contextlib.suppress(OSError):
                (self._memory_dir / "memory.swap.max").write_text("0")
        else:
            (self._memory_dir / "memory.limit_in_bytes").write_text(str(memory))
            with contextlib.suppress(OSError):  # only present with swap accounting
                (self._memory_dir / "memory.memsw.limit_in_bytes").write_text(str(memory))
        (self._pids_dir / "pids.max").write_text(str(pids))

    @property
    def label(self) -> str:
        return f"cgroup-v{self.version}"

    def procs_files(self) -> list[Path]:
        """Files the started process writes its own pid to, before exec, to join the group."""
        return [d / "cgroup.procs" for d in self.dirs]

    def memory_exceeded(self) -> bool:
        if self.version == 2:
            return _event_count(self._memory_dir / "memory.events", "oom_kill") > 0
        return _event_count(self._memory_dir / "memory.oom_control", "oom_kill") > 0

    def pids_exceeded(self) -> bool:
        return _event_count(self._pids_dir / "pids.events", "max") > 0

    def kill(self) -> None:
        """SIGKILL every process in the group (repeat: a fork bomb forks while we read)."""
        if self.version == 2:
            with contextlib.suppress(OSError):
                (self._pids_dir / "cgroup.kill").write_text("1")
                return
        for _ in range(20):
            pids = self._pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        """Kill what is left and remove the groups (retrying while the kernel reaps the dead)."""
        self.kill()
        for d in self.dirs:
            for attempt in range(50):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    self.kill()
                    time.sleep(0.01 * (attempt + 1))

    def _pids(self) -> list[int]:
        pids: set[int] = set()
        for d in self.dirs:
            with contextlib.suppress(OSError):
                pids.update(int(p) for p in (d / "cgroup.procs").read_text().split())
        return sorted(pids)


def _event_count(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0
