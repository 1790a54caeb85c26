"""Value types of the sandbox seam: limits in, an execution record out, and the ``Sandbox`` protocol."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol, runtime_checkable

MiB = 1024 * 1024


class Verdict(StrEnum):
    """How a run ended, from the host's point of view."""

    OK = "ok"
    FAILED = "failed"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    PIDS_LIMIT = "pids_limit"
    OUTPUT_LIMIT = "output_limit"
    DISK_LIMIT = "disk_limit"
    SETUP_ERROR = "setup_error"


@dataclass(frozen=True)
class Limits:
    """Resource caps of one run; every cap is enforced by the backend or reported as not enforced."""

    timeout: float = 10.0
    """Wall-clock seconds before the whole process tree is killed."""
    memory: int = 512 * MiB
    """Bytes of memory (cgroup where available, else address space through RLIMIT_AS)."""
    pids: int = 64
    """Processes and threads alive at once."""
    output: int = 1 * MiB
    """Bytes kept of stdout and of stderr each; more kills the run."""
    disk: int = 64 * MiB
    """Bytes writable to the workspace, and the size of the ``/tmp`` tmpfs."""
    open_files: int = 256

    def __post_init__(self) -> None:
        if self.timeout <= 0 or min(self.memory, self.pids, self.output, self.disk, self.open_files) <= 0:
            raise ValueError(f"limits must be positive: {self}")


@dataclass(frozen=True)
class Execution:
    """What one sandboxed command did. ``stdout``/``stderr`` are capped and end with a marker if cut."""

    exit_code: int | None
    stdout: str
    stderr: str
    duration: float
    verdict: Verdict
    backend: str
    limits: Limits = field(default_factory=Limits)
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    enforcement: Mapping[str, str] = field(default_factory=dict)
    """How each limit was enforced in this run, e.g. ``{"memory": "cgroup-v1", "pids": "cgroup-v1"}``."""
    files: Mapping[str, bytes] = field(default_factory=dict)
    """Workspace files the caller asked to collect after the run (relative path -> content)."""
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK


TRUNCATION_MARKER = "\n[... output truncated by sparring sandbox ...]\n"


@dataclass(frozen=True)
class Protection:
    """One protection a backend gives (or does not give) on this host."""

    name: str
    enforced: bool
    how: str = ""


@dataclass(frozen=True)
class BackendReport:
    """Whether a backend works here, and what it protects against (for ``sparring sandbox --check``)."""

    name: str
    available: bool
    reason: str
    protections: tuple[Protection, ...] = ()


@runtime_checkable
class Sandbox(Protocol):
    """The one seam through which sparring runs generated code."""

    @property
    def name(self) -> str: ...

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
        """Run ``argv`` in the workspace; ``files`` are written there first (paths relative to it).

        ``workdir`` is a host directory to use as the workspace (default: a fresh scratch directory
        removed after the run). ``readonly`` lists workspace-relative paths (``.git``, protected tests)
        mounted read-only. ``collect`` lists workspace-relative files returned in ``Execution.files``.
        A sandbox that cannot be set up returns ``Verdict.SETUP_ERROR`` and never runs the command.
        """
        ...

    def report(self) -> BackendReport:
        """Whether this backend works here and which protections it gives."""
        ...
