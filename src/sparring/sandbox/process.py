"""The plain-process backend: a subprocess with rlimits and a process-group kill, for hosts without
bubblewrap or a container engine.

It isolates NOTHING from the filesystem or the network: the command runs as the caller, can read
``~/.ssh`` and can connect anywhere. Only the environment is scrubbed and resources are capped.
Every run record says so in its notes.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from sparring.errors import SandboxError
from sparring.sandbox import rlimits
from sparring.sandbox.cgroups import CgroupSupport, RunCgroup, detect
from sparring.sandbox.environment import sandbox_env
from sparring.sandbox.launch import Prepared, execute
from sparring.sandbox.types import BackendReport, Execution, Limits, Protection
from sparring.sandbox.verdict import setup_error
from sparring.sandbox.workspace import workspace, write_files

WARNING = (
    "process sandbox: no filesystem or network isolation; the command runs as the calling user "
    "with only rlimits and a process-group kill"
)
log = logging.getLogger("sparring.sandbox")


class ProcessSandbox:
    """Runs commands as plain subprocesses of the caller; see the module docstring for the risks."""

    def __init__(self, *, cgroups: CgroupSupport | None = None) -> None:
        self._cgroups = cgroups if cgroups is not None else detect()
        log.warning(WARNING)

    @property
    def name(self) -> str:
        return "process"

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
            return setup_error("process: empty command", backend=self.name, limits=limits)
        notes = [WARNING]
        if readonly:
            notes.append("process sandbox cannot mount paths read-only: " + ", ".join(readonly))
        try:
            with workspace(workdir) as ws:
                write_files(ws, files)
                cgroup = (
                    RunCgroup(self._cgroups, memory=limits.memory, pids=limits.pids)
                    if self._cgroups.version
                    else None
                )
                try:
                    return self._run_in(ws, list(argv), limits, env, cgroup, collect, notes)
                finally:
                    if cgroup is not None:
                        cgroup.close()
        except (OSError, ValueError, SandboxError) as exc:
            return setup_error(f"process: workspace setup failed: {exc}", backend=self.name, limits=limits)

    def _run_in(
        self,
        ws: Path,
        argv: list[str],
        limits: Limits,
        env: Mapping[str, str] | None,
        cgroup: RunCgroup | None,
        collect: Sequence[str],
        notes: list[str],
    ) -> Execution:
        path = ":".join(
            dict.fromkeys([os.path.join(sys.prefix, "bin"), "/usr/local/bin", "/usr/bin", "/bin"])
        )
        box_env, dropped = sandbox_env(env, path=path, home=str(ws), tmp=str(ws))
        if dropped:
            notes.append(f"dropped secret-looking variables: {', '.join(dropped)}")
        # Root ignores RLIMIT_NPROC, and the caller's other processes count against it: cgroup or nothing.
        plan = rlimits.plan(
            limits, memory_by_cgroup=cgroup is not None, pids_by_cgroup=cgroup is not None, nproc=False
        )
        procs = [str(p) for p in cgroup.procs_files()] if cgroup else []

        def preexec() -> None:
            for f in procs:
                fd = os.open(f, os.O_WRONLY)
                os.write(fd, b"0")
                os.close(fd)
            os.chdir(ws)
            rlimits.apply(plan)

        how = cgroup.label if cgroup else "none"
        enforcement = {
            "memory": how if cgroup else "rlimit-as",
            "pids": how,
            "timeout": "host-deadline+process-group",
            "output": "host-reader",
            "disk": "watch+rlimit-fsize",
            "filesystem": "none",
            "network": "none",
        }
        return execute(
            Prepared(argv=argv, env=box_env, preexec=preexec),
            backend=self.name,
            limits=limits,
            workspace=ws,
            cgroup=cgroup,
            enforcement=enforcement,
            collect=collect,
            notes=notes,
        )

    def report(self) -> BackendReport:
        cg = self._cgroups
        return BackendReport(
            self.name,
            True,
            WARNING,
            (
                Protection("filesystem", False, "none: runs as the caller"),
                Protection("network", False, "none"),
                Protection("processes", True, "process group killed at the deadline (setsid escapes it)"),
                Protection("privileges", False, "runs as the caller"),
                Protection("environment", True, "cleared; secret-looking variables refused"),
                Protection("memory", True, cg.reason if cg.version else "RLIMIT_AS"),
                Protection("pids", bool(cg.version), cg.reason if cg.version else "none"),
                Protection("disk", True, "workspace growth watched; RLIMIT_FSIZE"),
                Protection("output", True, "stdout/stderr capped by the host reader"),
            ),
        )
