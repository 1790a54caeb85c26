"""The docker / podman backend, for hosts where a container engine is reachable.

Same contract and limits as bubblewrap, expressed as engine flags: ``--network none``, ``--memory``,
``--pids-limit``, ``--read-only`` root, a size-capped ``/tmp`` tmpfs, uid 65534, no capabilities,
no-new-privileges. The interpreter running sparring is bind-mounted read-only, as with bubblewrap,
so the image only needs a compatible C library (default ``debian:bookworm-slim``, or
``SPARRING_SANDBOX_IMAGE``). Starting a container costs far more than bubblewrap; this backend is
for hosts without bubblewrap, not the default.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from sparring.errors import SandboxError
from sparring.sandbox import hostpaths
from sparring.sandbox.environment import sandbox_env
from sparring.sandbox.launch import Prepared, execute
from sparring.sandbox.types import BackendReport, Execution, Limits, Protection
from sparring.sandbox.verdict import setup_error
from sparring.sandbox.workspace import hand_over, safe_relative, workspace, write_files

Engine = Literal["docker", "podman"]
DEFAULT_IMAGE = "debian:bookworm-slim"
_names = itertools.count()


class _Container:
    """Kill and inspect one named container (the ``Group`` of a container run)."""

    def __init__(self, engine: str, name: str) -> None:
        self.engine, self.name = engine, name

    def _engine(self, *args: str) -> str:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [self.engine, *args], capture_output=True, text=True, timeout=20, check=False
            )
            return out.stdout.strip()
        return ""

    def kill(self) -> None:
        self._engine("kill", self.name)

    def memory_exceeded(self) -> bool:
        return self._engine("inspect", "-f", "{{.State.OOMKilled}}", self.name) == "true"

    def pids_exceeded(self) -> bool:
        return False  # engines do not report pids-limit hits; stderr evidence is used instead

    def remove(self) -> None:
        self._engine("rm", "-f", self.name)


class ContainerSandbox:
    """Runs commands in a fresh container of ``engine`` per run."""

    def __init__(
        self, engine: Engine, *, image: str | None = None, extra_readonly: Sequence[str | Path] = ()
    ) -> None:
        self._engine: Engine = engine
        self._image = image or os.environ.get("SPARRING_SANDBOX_IMAGE", DEFAULT_IMAGE)
        self._extra = tuple(str(Path(p).resolve()) for p in extra_readonly)
        self._probe: tuple[bool, str] | None = None

    @property
    def name(self) -> str:
        return self._engine

    def with_readonly(self, paths: Sequence[str | Path]) -> ContainerSandbox:
        """The same sandbox that also shows ``paths`` read-only (a repository's environment)."""
        extra = [*self._extra, *(str(Path(p).resolve()) for p in paths)]
        return ContainerSandbox(self._engine, image=self._image, extra_readonly=extra)

    def available(self) -> tuple[bool, str]:
        """Whether the engine answers (checked once per instance)."""
        if self._probe is None:
            try:
                out = subprocess.run(
                    [self._engine, "info", "--format", "{{.ServerVersion}}"],
                    capture_output=True,
                    text=True,
                    timeout=10,
                    check=False,
                )
                ok = out.returncode == 0 and bool(out.stdout.strip())
                detail = out.stdout.strip() if ok else (out.stderr.strip().splitlines() or ["no answer"])[-1]
                self._probe = (ok, f"{self._engine} engine {'reachable' if ok else 'unreachable'}: {detail}")
            except (OSError, subprocess.SubprocessError) as exc:
                self._probe = (False, f"{self._engine} not usable: {exc}")
        return self._probe

    def run(
        self,
        argv: Sequence[str],
        *,
        files: Mapping[str, str | bytes] | None = None,
        workdir: str | Path | None = None,
        limits: Limits | None = None,
        env: Mapping[str, str] | None = None,
        readonly: Sequence[str] = (),
        collect: Sequence[str] = (),
    ) -> Execution:
        limits = limits or Limits()
        ok, reason = self.available()
        if not ok or not argv:
            return setup_error(reason if not ok else "empty command", backend=self.name, limits=limits)
        try:
            with workspace(workdir) as ws:
                write_files(ws, files)
                if os.geteuid() == 0:
                    hand_over(ws, 65534, 65534)
                return self._run_in(ws, list(argv), limits, env, readonly, collect)
        except (OSError, ValueError, SandboxError) as exc:
            return setup_error(
                f"{self.name}: workspace setup failed: {exc}", backend=self.name, limits=limits
            )

    def _run_in(
        self,
        ws: Path,
        argv: list[str],
        limits: Limits,
        env: Mapping[str, str] | None,
        readonly: Sequence[str],
        collect: Sequence[str],
    ) -> Execution:
        name = f"sparring-{os.getpid()}-{next(_names)}"
        path = ":".join([os.path.join(sys.prefix, "bin"), "/usr/local/bin", "/usr/bin", "/bin"])
        box_env, dropped = sandbox_env(env, path=path, home="/workspace")
        args = [self._engine, "run", "--name", name, "--init", "--network", "none"]
        args += ["--memory", str(limits.memory), "--memory-swap", str(limits.memory)]
        args += ["--pids-limit", str(limits.pids), "--read-only", "--user", "65534:65534"]
        args += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
        args += ["--tmpfs", f"/tmp:rw,size={limits.disk},mode=1777"]
        args += ["--ulimit", f"fsize={limits.disk}", "--ulimit", f"nofile={limits.open_files}"]
        args += ["-v", f"{ws}:/workspace:rw", "-w", "/workspace"]
        for name_ro in readonly:
            rel = safe_relative(name_ro)
            if ws.joinpath(*rel.parts).exists():
                args += ["-v", f"{ws.joinpath(*rel.parts)}:/workspace/{rel}:ro"]
        for bind in hostpaths.interpreter_binds():
            args += ["-v", f"{bind.source}:{bind.dest}:ro"]
        for path in self._extra:
            args += ["-v", f"{path}:{path}:ro"]
        for key, value in box_env.items():
            args += ["-e", f"{key}={value}"]
        args += [self._image, *argv]
        group = _Container(self._engine, name)
        notes = [f"dropped secret-looking variables: {', '.join(dropped)}"] if dropped else []
        try:
            return execute(
                Prepared(argv=args, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}),
                backend=self.name,
                limits=limits,
                workspace=ws,
                cgroup=group,
                enforcement={k: self._engine for k in ("memory", "pids", "network", "filesystem")},
                collect=collect,
                notes=notes,
            )
        finally:
            group.remove()

    def report(self) -> BackendReport:
        ok, reason = self.available()
        how = f"{self._engine} flags"
        return BackendReport(
            self.name,
            ok,
            reason,
            (
                Protection("filesystem", ok, f"{how}: --read-only root, /workspace and /tmp tmpfs writable"),
                Protection("network", ok, "--network none"),
                Protection("processes", ok, "--pids-limit, container killed at the deadline"),
                Protection("privileges", ok, "--user 65534, --cap-drop ALL, no-new-privileges"),
                Protection("environment", ok, "only variables passed with -e"),
                Protection("memory", ok, "--memory (cgroup)"),
                Protection("pids", ok, "--pids-limit (cgroup)"),
                Protection("disk", ok, "/tmp tmpfs size; workspace growth watched; fsize ulimit"),
                Protection("output", ok, "stdout/stderr capped by the host reader"),
            ),
        )
