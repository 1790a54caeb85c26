"""Run the scoring harness on one solution in the sandbox and read back its result line."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sparring.errors import SandboxError
from sparring.sandbox import Limits, Sandbox, Verdict

MARKER = "SPARRING-RESULT "
HARNESS_VERSION = 2
"""Bump when the harness's encoding or comparison changes: it is part of the cache key."""


@dataclass(frozen=True)
class HarnessResult:
    """The harness's JSON result, or ``None`` with a reason when the process died before reporting."""

    data: dict[str, Any] | None
    reason: str
    seconds: float

    @property
    def passed(self) -> bool:
        return self.data is not None and self.data.get("passed") is True


def harness_source() -> str:
    return resources.files("sparring.bench").joinpath("harness.py").read_text(encoding="utf-8")


def run_harness(sandbox: Sandbox, code: str, job: dict[str, Any], limits: Limits) -> HarnessResult:
    """Run ``job`` against ``code`` in one sandboxed process; a dead process is a failure, not an error.

    Raises ``SandboxError`` only when the sandbox itself could not be set up.
    """
    files = {"harness.py": harness_source(), "solution.py": code, "job.json": json.dumps(job)}
    execution = sandbox.run([sys.executable, "harness.py", "job.json"], files=files, limits=limits)
    if execution.verdict is Verdict.SETUP_ERROR:
        raise SandboxError(
            f"the {execution.backend} sandbox could not run the scoring harness: "
            f"{execution.stderr.strip()[-300:]}"
        )
    for line in reversed(execution.stdout.splitlines()):
        if line.startswith(MARKER):
            try:
                data = json.loads(line[len(MARKER) :])
            except ValueError:
                break
            if isinstance(data, dict):
                return HarnessResult(data, str(data.get("reason", "")), execution.duration)
    reason = f"no result from the harness (verdict {execution.verdict.value}, exit {execution.exit_code})"
    return HarnessResult(None, reason, execution.duration)
