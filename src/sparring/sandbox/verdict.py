"""Turn what the host observed about a run into one ``Verdict``, and build the ``Execution`` record.

Order matters: a limit the host enforced (output, disk, memory, pids, deadline) outranks the exit code,
because a killed process's exit code says nothing about the code under test. Where a limit is only
enforced by an rlimit, the evidence is the signal it sends or the error it leaves on stderr.
"""

from __future__ import annotations

import signal
from collections.abc import Mapping
from dataclasses import dataclass

from sparring.sandbox.capture import Captured
from sparring.sandbox.types import TRUNCATION_MARKER, Execution, Limits, Verdict


@dataclass(frozen=True)
class HostEvidence:
    """Limit events read from the host after the run (cgroups, workspace size)."""

    memory_exceeded: bool = False
    pids_exceeded: bool = False
    disk_exceeded: bool = False


_DISK_ERRORS = ("No space left on device", "[Errno 28]", "File too large", "[Errno 27]")
_FORK_ERRORS = ("Resource temporarily unavailable", "[Errno 11]", "can't fork", "Cannot fork")


def _signal_of(code: int | None) -> int | None:
    if code is None:
        return None
    if code < 0:
        return -code
    return code - 128 if 128 < code < 128 + 65 else None


def classify(cap: Captured, host: HostEvidence) -> Verdict:
    sig = _signal_of(cap.returncode)
    stderr_tail = cap.stderr[-4096:].decode(errors="replace")
    failed = cap.returncode != 0
    if cap.output_exceeded:
        return Verdict.OUTPUT_LIMIT
    if cap.tripped == "disk" or host.disk_exceeded or sig == signal.SIGXFSZ:
        return Verdict.DISK_LIMIT
    if host.memory_exceeded or (failed and "MemoryError" in stderr_tail):
        return Verdict.MEMORY_LIMIT
    if host.pids_exceeded:
        return Verdict.PIDS_LIMIT
    if cap.timed_out or sig == signal.SIGXCPU:
        return Verdict.TIMEOUT
    if failed and any(e in stderr_tail for e in _DISK_ERRORS):
        return Verdict.DISK_LIMIT
    if failed and any(e in stderr_tail for e in _FORK_ERRORS):
        return Verdict.PIDS_LIMIT
    return Verdict.FAILED if failed else Verdict.OK


def _text(data: bytes, truncated: bool) -> str:
    text = data.decode(errors="replace")
    return text + TRUNCATION_MARKER if truncated else text


def build_execution(
    cap: Captured,
    verdict: Verdict,
    *,
    backend: str,
    limits: Limits,
    enforcement: Mapping[str, str],
    files: Mapping[str, bytes],
    notes: list[str],
) -> Execution:
    return Execution(
        exit_code=cap.returncode,
        stdout=_text(cap.stdout, cap.stdout_truncated),
        stderr=_text(cap.stderr, cap.stderr_truncated),
        duration=cap.duration,
        verdict=verdict,
        backend=backend,
        limits=limits,
        stdout_truncated=cap.stdout_truncated,
        stderr_truncated=cap.stderr_truncated,
        enforcement=dict(enforcement),
        files=dict(files),
        notes=tuple(notes + cap.notes),
    )


def setup_error(message: str, *, backend: str, limits: Limits, duration: float = 0.0) -> Execution:
    """The record of a run that never started: no exit code, never ``ok``."""
    return Execution(
        exit_code=None,
        stdout="",
        stderr=message,
        duration=duration,
        verdict=Verdict.SETUP_ERROR,
        backend=backend,
        limits=limits,
        notes=(message,),
    )
