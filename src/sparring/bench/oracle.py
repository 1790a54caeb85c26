"""The ``oracle@K`` diagnostic: the share of tasks that any of K sampled single-call solutions passes.

It is a ceiling for what picking among K samples could reach. It never picks a solution for a
workflow: its scores are computed after the fact and reported on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sparring.bench.datasets import BenchTask
from sparring.bench.runner import TASK_FAILURES, Solver, run_parallel


@dataclass(frozen=True)
class OracleResult:
    """How many of ``n`` tasks had at least one passing solution among ``k`` samples."""

    k: int
    n: int
    solved: tuple[str, ...]
    samples: int
    """Solutions drawn in total (sampling stops at a task's first passing solution)."""

    @property
    def rate(self) -> float:
        return len(self.solved) / self.n if self.n else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "n": self.n,
            "solved": len(self.solved),
            "rate": self.rate,
            "samples": self.samples,
            "solved_tasks": list(self.solved),
        }


def oracle_at_k(
    tasks: Sequence[BenchTask],
    solver: Solver,
    score: Callable[[BenchTask, str], bool],
    k: int,
    *,
    seed: int = 0,
    workers: int = 1,
    on_done: Callable[[tuple[str, bool]], None] | None = None,
) -> OracleResult:
    """Draw up to ``k`` solutions per task from ``single`` with seeds ``seed .. seed+k-1``."""
    if k < 1:
        raise ValueError(f"oracle needs k >= 1, got {k}")
    drawn: list[int] = []

    def one(task: BenchTask) -> Callable[[], tuple[str, bool]]:
        def job() -> tuple[str, bool]:
            for i in range(k):
                drawn.append(1)
                try:
                    code = solver(task.function_task(), "single", seed=seed + i).code
                except TASK_FAILURES:
                    continue
                if score(task, code):
                    return task.task_id, True
            return task.task_id, False

        return job

    results = run_parallel([one(t) for t in tasks], workers=workers, on_done=on_done or (lambda _: None))
    solved = tuple(sorted(task_id for task_id, ok in results if ok))
    return OracleResult(k=k, n=len(tasks), solved=solved, samples=len(drawn))
