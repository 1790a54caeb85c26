"""``FakeSandbox``: a function-backed sandbox for tests of modules that run code through the seam."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sparring.sandbox.types import BackendReport, Execution, Limits, Protection, Verdict


@dataclass(frozen=True)
class Call:
    """One request the fake received, for assertions in tests."""

    argv: tuple[str, ...]
    files: Mapping[str, str | bytes]
    workdir: str | Path | None
    limits: Limits
    env: Mapping[str, str]
    readonly: tuple[str, ...] = ()
    collect: tuple[str, ...] = ()


Responder = Callable[[Call], "Execution | str"]


def execution(
    stdout: str = "",
    *,
    exit_code: int = 0,
    stderr: str = "",
    verdict: Verdict | None = None,
    files: Mapping[str, bytes] | None = None,
    backend: str = "fake",
) -> Execution:
    """A canned ``Execution``; the verdict follows the exit code unless given."""
    return Execution(
        exit_code=exit_code,
        stdout=stdout,
        stderr=stderr,
        duration=0.0,
        verdict=verdict or (Verdict.OK if exit_code == 0 else Verdict.FAILED),
        backend=backend,
        files=dict(files or {}),
    )


@dataclass
class FakeSandbox:
    """Answers every ``run`` with ``respond(call)``; a string answer means stdout of a successful run.

    Nothing is executed. ``calls`` records every request.
    """

    respond: Responder = field(default=lambda call: execution())
    name: str = "fake"
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

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
        call = Call(
            tuple(argv),
            dict(files or {}),
            workdir,
            limits or Limits(),
            dict(env or {}),
            tuple(readonly),
            tuple(collect),
        )
        with self._lock:
            self.calls.append(call)
        answer = self.respond(call)
        return execution(answer, backend=self.name) if isinstance(answer, str) else answer

    def report(self) -> BackendReport:
        return BackendReport(
            self.name, True, "fake: executes nothing", (Protection("all", True, "nothing runs"),)
        )
