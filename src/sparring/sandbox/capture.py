"""Drive one started process to its end: read capped output, enforce the deadline, kill the tree.

Backends start the process; this module owns the loop that watches it. Output is read as raw bytes
(a gigabyte without a newline costs no more than one with), and reading stops shortly after the
main process exits even if an orphan still holds the pipes open.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

_CHUNK = 65536
_EXIT_GRACE = 0.2  # seconds to drain pipes after the main process exits, before killing holders


@dataclass
class Captured:
    """The raw outcome of one process, before it is classified into a verdict."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    duration: float
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    timed_out: bool = False
    output_exceeded: bool = False
    tripped: str | None = None
    """Name of the watch that stopped the run (e.g. ``disk``), if any."""
    notes: list[str] = field(default_factory=list)


class _Stream:
    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.chunks: list[bytes] = []
        self.size = 0
        self.truncated = False

    def add(self, data: bytes) -> bool:
        """Keep what fits; return False once the cap has been exceeded."""
        room = self.cap - self.size
        if len(data) > room:
            self.chunks.append(data[: max(room, 0)])
            self.size = self.cap
            self.truncated = True
            return False
        self.chunks.append(data)
        self.size += len(data)
        return True

    def value(self) -> bytes:
        return b"".join(self.chunks)


def capture(
    proc: subprocess.Popen[bytes],
    *,
    started: float,
    timeout: float,
    output_cap: int,
    kill: Callable[[], None],
    watch: Callable[[], str | None] | None = None,
    watch_interval: float = 0.25,
) -> Captured:
    """Read ``proc``'s stdout/stderr until it ends, the deadline passes, output overflows or a watch trips.

    ``kill`` must kill the whole process tree; it is called on every abnormal stop and once at the end.
    """
    assert proc.stdout is not None and proc.stderr is not None
    streams = {proc.stdout.fileno(): _Stream(output_cap), proc.stderr.fileno(): _Stream(output_cap)}
    selector = selectors.DefaultSelector()
    for fd in streams:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    deadline = started + timeout
    next_watch = time.monotonic() + watch_interval
    exited_at: float | None = None
    result = Captured(returncode=None, stdout=b"", stderr=b"", duration=0.0)
    try:
        while selector.get_map():
            now = time.monotonic()
            if now >= deadline:
                result.timed_out = True
                break
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > _EXIT_GRACE:
                result.notes.append("a process outlived the command and held its output open; killed")
                break
            if watch is not None and now >= next_watch:
                next_watch = now + watch_interval
                result.tripped = watch()
                if result.tripped:
                    break
            wait = min(deadline - now, watch_interval, 0.05 if exited_at is None else _EXIT_GRACE)
            if not _read_ready(selector, streams, max(wait, 0.0)):
                result.output_exceeded = True
                break
        else:
            # Both pipes closed: the command may still be running without output.
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.0))
            except subprocess.TimeoutExpired:
                result.timed_out = True
    finally:
        selector.close()
        kill()
    result.returncode = _reap(proc, kill)
    result.duration = time.monotonic() - started
    out, err = streams[proc.stdout.fileno()], streams[proc.stderr.fileno()]
    result.stdout, result.stdout_truncated = out.value(), out.truncated
    result.stderr, result.stderr_truncated = err.value(), err.truncated
    proc.stdout.close()
    proc.stderr.close()
    return result


def _read_ready(selector: selectors.BaseSelector, streams: dict[int, _Stream], wait: float) -> bool:
    """Read whatever is ready; return False if a stream overflowed its cap."""
    for key, _ in selector.select(wait):
        fd = key.fd
        try:
            data = os.read(fd, _CHUNK)
        except BlockingIOError:
            continue
        if not data:
            selector.unregister(fd)
        elif not streams[fd].add(data):
            return False
    return True


def _reap(proc: subprocess.Popen[bytes], kill: Callable[[], None]) -> int | None:
    try:
        return proc.wait(timeout=2.0)
    except subprocess.TimeoutExpired:
        kill()
        try:
            return proc.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            return None
