"""The bubblewrap backend: the default on Linux.

The command sees a read-only system (``/usr``, a few ``/etc`` files, the interpreter running sparring),
a writable ``/workspace``, a size-capped ``/tmp`` tmpfs, fresh ``/proc`` and ``/dev``, and nothing else.
It runs in new PID, IPC, UTS, network and cgroup namespaces with a scrubbed environment, no
capabilities, no inherited descriptors, its own session, and dies with its parent.

Two modes, chosen by who runs sparring:

* caller is root: bubblewrap runs as root (so it can bind an interpreter under ``/root/.pyenv``
  without exposing ``/root``), then ``setpriv`` inside switches to uid 65534 for real, clears every
  capability set and sets no-new-privs. The workspace is handed to that uid for the run.
* caller is not root: bubblewrap runs in a new user namespace mapped to the caller's uid.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from sparring.errors import SandboxError
from sparring.sandbox import hostpaths, rlimits
from sparring.sandbox.capture import Captured
from sparring.sandbox.cgroups import CgroupSupport, RunCgroup, detect
from sparring.sandbox.environment import sandbox_env
from sparring.sandbox.launch import Prepared, execute
from sparring.sandbox.types import BackendReport, Execution, Limits, Protection
from sparring.sandbox.verdict import setup_error
from sparring.sandbox.workspace import hand_over, safe_relative, workspace, write_files

SANDBOX_UID = 65534
WORKSPACE = "/workspace"
SETPRIV = "/usr/bin/setpriv"
PRLIMIT = "/usr/bin/prlimit"


class BwrapSandbox:
    """Runs commands under bubblewrap; see the module docstring for what the command can see."""

    def __init__(
        self,
        *,
        executable: str | None = None,
        cgroups: CgroupSupport | None = None,
        extra_readonly: Sequence[str | Path] = (),
    ) -> None:
        """``extra_readonly``: more host directories to show read-only at the same path (a repo's venv)."""
        self._bwrap = executable or shutil.which("bwrap") or ""
        self._as_root = os.geteuid() == 0
        self._cgroups = cgroups if cgroups is not None else detect()
        self._extra = tuple(str(Path(p).resolve()) for p in extra_readonly)
        self._binds = hostpaths.interpreter_binds() + [hostpaths.Bind(p, p) for p in self._extra]
        self._base = self._base_args()
        self._probe: tuple[bool, str] | None = None

    @property
    def name(self) -> str:
        return "bwrap"

    def with_readonly(self, paths: Sequence[str | Path]) -> BwrapSandbox:
        """The same sandbox that also shows ``paths`` read-only (a repository's environment)."""
        extra = [*self._extra, *(str(Path(p).resolve()) for p in paths)]
        return BwrapSandbox(executable=self._bwrap, cgroups=self._cgroups, extra_readonly=extra)

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
        if not argv:
            return setup_error("bwrap: empty command", backend=self.name, limits=limits)
        if not self._bwrap:
            return setup_error("bwrap: bubblewrap is not installed", backend=self.name, limits=limits)
        try:
            with workspace(workdir) as ws:
                write_files(ws, files)
                if self._as_root:
                    hand_over(ws, SANDBOX_UID, SANDBOX_UID)
                return self._run_in(ws, list(argv), limits, env, readonly, collect)
        except (OSError, ValueError, SandboxError) as exc:
            return setup_error(f"bwrap: workspace setup failed: {exc}", backend=self.name, limits=limits)

    def _run_in(
        self,
        ws: Path,
        argv: list[str],
        limits: Limits,
        env: Mapping[str, str] | None,
        readonly: Sequence[str],
        collect: Sequence[str],
    ) -> Execution:
        cgroup = (
            RunCgroup(self._cgroups, memory=limits.memory, pids=limits.pids)
            if self._cgroups.version
            else None
        )
        try:
            enforcement = _enforcement(cgroup)
            plan = rlimits.plan(
                limits, memory_by_cgroup=cgroup is not None, pids_by_cgroup=cgroup is not None
            )
            box_env, dropped = sandbox_env(env, path=self._path(), home=WORKSPACE)
            notes = [f"dropped secret-looking variables: {', '.join(dropped)}"] if dropped else []
            read_fd, write_fd = os.pipe()
            args = [
                *rlimits.shim_argv(plan, cgroup.procs_files() if cgroup else (), PRLIMIT),
                self._bwrap,
                # /tmp first: read-only binds below it (a venv or checkout under /tmp) must land on top.
                "--perms", "1777", "--size", str(limits.disk), "--tmpfs", "/tmp",
                *self._base,
                "--bind", str(ws), WORKSPACE,
                *_readonly_args(ws, readonly),
                "--chdir", WORKSPACE,
                "--json-status-fd", str(write_fd),
            ]  # fmt: skip
            for key, value in box_env.items():
                args += ["--setenv", key, value]
            args.append("--")
            if self._as_root:
                args += [SETPRIV, f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups"]
                args += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
            args += argv

            def close_write() -> None:
                os.close(write_fd)

            prepared = Prepared(
                argv=args,
                env={"PATH": "/usr/bin:/bin"},
                pass_fds=(write_fd,),
                started=lambda cap: _started(cap, _read_status(read_fd)),
                close=close_write,
            )
            try:
                return execute(
                    prepared,
                    backend=self.name,
                    limits=limits,
                    workspace=ws,
                    cgroup=cgroup,
                    enforcement=enforcement,
                    collect=collect,
                    notes=notes,
                )
            finally:
                os.close(read_fd)
        finally:
            if cgroup is not None:
                cgroup.close()

    def _path(self) -> str:
        # The virtualenv first, so ``python`` is the interpreter with sparring's packages.
        bindirs = [os.path.join(sys.prefix, "bin"), os.path.join(sys.base_prefix, "bin")]
        return ":".join([*dict.fromkeys(bindirs), "/usr/local/bin", "/usr/bin", "/bin"])

    def _base_args(self) -> list[str]:
        if self._as_root:
            ns = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
            caps = ["--cap-drop", "ALL"]
            caps += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
        else:
            ns = ["--unshare-all", "--unshare-user", "--disable-userns"]
            ns += ["--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
            caps = ["--cap-drop", "ALL"]
        fs = ["--ro-bind", "/usr", "/usr"]
        for top, target in hostpaths.system_top_links():
            fs += ["--symlink", target, top] if target is not None else ["--ro-bind", top, top]
        made: set[str] = {"/", "/usr", "/tmp", "/proc", "/dev"}
        for path in hostpaths.etc_files():
            fs += [*_parents(path, made), "--ro-bind", path, path]
        for bind in self._binds:
            fs += [*_parents(bind.dest, made), "--ro-bind", bind.source, bind.dest]
        fs += ["--proc", "/proc", "--dev", "/dev"]
        common = ["--die-with-parent", "--new-session", "--clearenv", "--hostname", "sparring"]
        return [*ns, *caps, *common, *fs]

    def report(self) -> BackendReport:
        ok, reason = self._works()
        cg = self._cgroups
        protections = (
            Protection("filesystem", ok, "read-only system; writable /workspace and size-capped /tmp only"),
            Protection("network", ok, "network namespace with no interfaces but loopback"),
            Protection("processes", ok, "own PID namespace; whole tree killed at the deadline"),
            Protection(
                "privileges",
                ok,
                "uid 65534 via setpriv, no capabilities, no-new-privs"
                if self._as_root
                else "user namespace, uid 65534 inside, no capabilities",
            ),
            Protection("environment", ok, "cleared; secret-looking variables refused"),
            Protection("memory", ok, cg.reason if cg.version else f"RLIMIT_AS only ({cg.reason})"),
            Protection("pids", ok, cg.reason if cg.version else f"RLIMIT_NPROC only ({cg.reason})"),
            Protection("disk", ok, "/tmp tmpfs size; workspace growth watched; RLIMIT_FSIZE"),
            Protection("output", ok, "stdout/stderr capped by the host reader"),
        )
        return BackendReport(self.name, ok, reason, protections)

    def _works(self) -> tuple[bool, str]:
        """Start one trivial sandbox (once per instance) to prove bubblewrap works on this host."""
        if self._probe is None:
            mode = "root, setpriv to uid 65534" if self._as_root else "user namespace"
            if not self._bwrap:
                self._probe = (False, "bwrap not found on PATH (Debian/Ubuntu: apt-get install bubblewrap)")
            else:
                result = self.run(["/bin/true"], limits=Limits(timeout=10))
                self._probe = (
                    (True, f"{self._bwrap} works ({mode})")
                    if result.ok
                    else (False, f"bwrap failed to start a sandbox: {result.stderr.strip()[:300]}")
                )
        return self._probe


def _enforcement(cgroup: RunCgroup | None) -> dict[str, str]:
    how = cgroup.label if cgroup else "rlimit"
    return {
        "memory": how if cgroup else "rlimit-as",
        "pids": how if cgroup else "rlimit-nproc",
        "timeout": "host-deadline+pidns",
        "output": "host-reader",
        "disk": "tmpfs+watch+rlimit-fsize",
    }


def _parents(path: str, made: set[str]) -> list[str]:
    """``--dir`` arguments (mode 0755) for every missing ancestor of ``path``, whatever the umask."""
    out: list[str] = []
    for parent in reversed(PurePosixPath(path).parents):
        p = str(parent)
        if p not in made:
            made.add(p)
            out += ["--perms", "0755", "--dir", p]
    return out


def _readonly_args(ws: Path, readonly: Sequence[str]) -> list[str]:
    out: list[str] = []
    for name in readonly:
        rel = safe_relative(name)
        host = ws.joinpath(*rel.parts)
        if host.is_symlink() or not host.exists():
            continue
        out += ["--ro-bind", str(host), f"{WORKSPACE}/{rel}"]
    return out


def _read_status(fd: int) -> str:
    os.set_blocking(fd, False)
    chunks: list[bytes] = []
    with contextlib.suppress(BlockingIOError, OSError):
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def _started(cap: Captured, status: str) -> str | None:
    """bubblewrap reports ``child-pid`` once the sandbox exists and ``exit-code`` when the command ends."""
    if '"exit-code"' in status or cap.timed_out or cap.output_exceeded or cap.tripped:
        return None
    err = cap.stderr.decode(errors="replace").strip()
    if '"child-pid"' in status and (not err.startswith("bwrap:") or "execvp" in err):
        return None
    if cap.returncode == rlimits.SHIM_FAILED and not status:
        return f"bwrap: could not join the run's cgroup: {err[:300]}"
    return f"bwrap: sandbox setup failed: {err[:300] or f'exit status {cap.returncode}'}"


def bwrap_version(executable: str = "bwrap") -> str:
    try:
        out = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()
