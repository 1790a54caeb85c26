"""The run skeleton every local backend shares: start, watch, gather host evidence, build the record.

A backend prepares the command line (``Prepared``); this module starts it in its own session, kills
the whole tree on any stop (process group and cgroup), checks the workspace size while it runs, and
asks the backend whether the sandbox really started before it trusts the exit code.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sparring.sandbox.capture import Captured, capture
from sparring.sandbox.types import Execution, Limits
from sparring.sandbox.verdict import HostEvidence, build_execution, classify, setup_error
from sparring.sandbox.workspace import collect as collect_files
from sparring.sandbox.workspace import disk_usage


class Group(Protocol):
    """Whatever holds the run's processes beyond its process group: a cgroup, a container."""

    def kill(self) -> None: ...

    def memory_exceeded(self) -> bool: ...

    def pids_exceeded(self) -> bool: ...


@dataclass
class Prepared:
    """A command line ready to start, plus how to tell whether the sandbox came up."""

    argv: list[str]
    env: dict[str, str]
    pass_fds: tuple[int, ...] = ()
    preexec: Callable[[], None] | None = None
    started: Callable[[Captured], str | None] = field(default=lambda _: None)
    """Return a setup-error message if the command never ran, else None."""
    close: Callable[[], None] = field(default=lambda: None)


def execute(
    prepared: Prepared,
    *,
    backend: str,
    limits: Limits,
    workspace: Path,
    cgroup: Group | None,
    enforcement: dict[str, str],
    collect: Sequence[str],
    notes: list[str],
) -> Execution:
    baseline = disk_usage(workspace)  # a repository workspace starts full; the cap is on growth
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            prepared.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=prepared.env,
            close_fds=True,
            pass_fds=prepared.pass_fds,
            start_new_session=True,
            preexec_fn=prepared.preexec,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return setup_error(f"{backend}: could not start the sandbox: {exc}", backend=backend, limits=limits)
    finally:
        prepared.close()

    def kill() -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if cgroup is not None:
            cgroup.kill()

    def watch() -> str | None:
        # A command that hit the process cap is a fork bomb or close to one: stop it now, not at the deadline.
        if cgroup is not None and cgroup.pids_exceeded():
            return "pids"
        return "disk" if disk_usage(workspace) - baseline > limits.disk else None

    cap = capture(
        proc, started=started, timeout=limits.timeout, output_cap=limits.output, kill=kill, watch=watch
    )
    problem = prepared.started(cap)
    if problem is not None:
        return setup_error(problem, backend=backend, limits=limits, duration=cap.duration)
    evidence = HostEvidence(
        memory_exceeded=cgroup.memory_exceeded() if cgroup else False,
        pids_exceeded=cgroup.pids_exceeded() if cgroup else False,
        disk_exceeded=cap.tripped == "disk" or disk_usage(workspace) - baseline > limits.disk,
    )
    verdict = classify(cap, evidence)
    files = collect_files(workspace, collect) if collect else {}
    return build_execution(
        cap, verdict, backend=backend, limits=limits, enforcement=enforcement, files=files, notes=notes
    )
