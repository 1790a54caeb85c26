"""Hidden-test scoring of one finished solution: ``base`` (the dataset's ``check``) and ``plus``
(EvalPlus: same outputs as the canonical solution on base + plus inputs), each in the sandbox."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sparring.bench.canonical import CanonicalOutputs
from sparring.bench.datasets import BenchTask
from sparring.bench.execute import run_harness
from sparring.sandbox import Limits, Sandbox

MiB = 1024 * 1024


@dataclass(frozen=True)
class ScoringLimits:
    """Time limits of hidden-test runs (EvalPlus defaults for the per-input limits)."""

    base_timeout: float = 10.0
    """Seconds for loading the solution and for the whole ``check(candidate)`` call."""
    min_input_timeout: float = 1.0
    """Each plus input gets ``max(min_input_timeout, timeout_factor * canonical seconds)``."""
    timeout_factor: float = 4.0
    plus_timeout_cap: float = 60.0
    """Wall-clock cap of the one process that runs all inputs of a task."""
    memory: int = 1024 * MiB


@dataclass(frozen=True)
class Score:
    """The hidden-test verdicts of one solution. ``plus`` is ``None`` when the dataset has no inputs."""

    base: bool
    plus: bool | None
    base_reason: str = ""
    plus_reason: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """The headline verdict: ``plus`` where the dataset has it, else ``base``."""
        return self.base if self.plus is None else self.plus


class Scorer:
    """Scores solutions of one dataset against its hidden tests, once per solution, in the sandbox."""

    def __init__(
        self, sandbox: Sandbox, canonical: CanonicalOutputs, limits: ScoringLimits | None = None
    ) -> None:
        self.sandbox = sandbox
        self.canonical = canonical
        self.limits = limits or ScoringLimits()

    def score(self, task: BenchTask, code: str) -> Score:
        """``plus`` follows EvalPlus: it passes only when ``base`` passes and every input matches."""
        start = time.monotonic()
        base_ok, base_reason = self.base(task, code)
        plus: bool | None = None
        plus_reason = ""
        if task.has_plus:
            plus, plus_reason = (False, "base tests failed") if not base_ok else self.plus(task, code)
        return Score(base_ok, plus, base_reason, plus_reason, time.monotonic() - start)

    def base(self, task: BenchTask, code: str) -> tuple[bool, str]:
        job = {
            "mode": "base",
            "entry_point": task.entry_point,
            "test": task.test,
            "timeout": self.limits.base_timeout,
        }
        limits = Limits(timeout=2 * self.limits.base_timeout + 5, memory=self.limits.memory)
        result = run_harness(self.sandbox, code, job, limits)
        return result.passed, result.reason

    def plus(self, task: BenchTask, code: str) -> tuple[bool, str]:
        job = self._plus_job(task)
        total = min(self.limits.plus_timeout_cap, self.limits.base_timeout + sum(job["limits"]) + 5)
        result = run_harness(self.sandbox, code, job, Limits(timeout=total, memory=self.limits.memory))
        return result.passed, result.reason

    def _plus_job(self, task: BenchTask) -> dict[str, Any]:
        expected = self.canonical.get(task)
        inputs = [*(task.base_inputs or ()), *(task.plus_inputs or ())]
        kept = [i for i, out in enumerate(expected.outputs) if "ok" in out]  # the canonical ran cleanly
        limits = [
            max(self.limits.min_input_timeout, self.limits.timeout_factor * expected.seconds[i]) for i in kept
        ]
        special = "find_zero" if task.entry_point == "find_zero" and task.task_id == "HumanEval/32" else None
        return {
            "mode": "plus",
            "entry_point": task.entry_point,
            "timeout": self.limits.base_timeout,
            "inputs": [inputs[i] for i in kept],
            "expected": [expected.outputs[i]["ok"] for i in kept],
            "limits": limits,
            "atol": task.atol,
            "special": special,
        }
