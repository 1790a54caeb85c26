"""The benchmark loop: solve each (task, workflow) pair with the given solver, then score it once.

The runner knows no workflow: it takes a ``Solver`` and hands it only a ``FunctionTask`` (prompt,
entry point, id). Hidden tests run after the solver has returned, through the ``Scorer``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any, Protocol, TypeVar

from sparring.bench.datasets import BenchTask
from sparring.bench.results import TaskResult
from sparring.bench.scoring import Scorer
from sparring.errors import BudgetExceeded, MalformedOutput, TransientModelError, TruncatedOutput
from sparring.tasks import FunctionTask

# A solver failing this way has given up on one task; the task counts as failed and the run goes on.
# Anything else (model unreachable, bad config, a bug) stops the benchmark, which can then resume.
TASK_FAILURES = (BudgetExceeded, MalformedOutput, TransientModelError, TruncatedOutput)

T = TypeVar("T")


class SolveOutcome(Protocol):
    """What a solver returns for one task."""

    @property
    def code(self) -> str: ...
    @property
    def verdict(self) -> str: ...
    @property
    def stop_reason(self) -> str | None: ...
    @property
    def usage(self) -> Mapping[str, Any]: ...
    @property
    def run_id(self) -> str: ...


class Solver(Protocol):
    """Solves one task with one workflow: ``solve(task, "single", seed=0)``."""

    def __call__(self, task: FunctionTask, workflow: str, *, seed: int) -> SolveOutcome: ...


SPLIT = ("prompt_tokens", "completion_tokens")


def usage_of(usage: Mapping[str, Any]) -> dict[str, Any]:
    """The usage numbers the benchmark sums: tokens, calls, seconds (missing ones count as 0); the
    prompt/completion split of the tokens and the numbers per role where the solver reports them."""
    kept: dict[str, Any] = {key: float(usage.get(key) or 0) for key in ("tokens", "calls", "seconds")}
    if all(key in usage for key in SPLIT):
        kept.update({key: float(usage[key] or 0) for key in SPLIT})
    by_role = usage.get("by_role")
    if isinstance(by_role, Mapping):
        kept["by_role"] = {
            str(role): {k: float(v) for k, v in numbers.items() if isinstance(v, int | float)}
            for role, numbers in by_role.items()
            if isinstance(numbers, Mapping)
        }
    return kept


def solve_and_score(
    task: BenchTask, workflow: str, solver: Solver, scorer: Scorer, *, seed: int, sha256: str
) -> TaskResult:
    """Solve with nothing but the prompt, then run the hidden tests once on the final code."""
    try:
        outcome = solver(task.function_task(), workflow, seed=seed)
    except TASK_FAILURES as exc:
        return TaskResult(
            task.task_id,
            workflow,
            "",
            False,
            False if task.has_plus else None,
            verdict="error",
            stop_reason=getattr(exc, "reason", None) or type(exc).__name__,
            usage=usage_of(getattr(exc, "spent", None) or {}),
            seed=seed,
            dataset_sha256=sha256,
            base_reason=str(exc),
        )
    score = scorer.score(task, outcome.code)
    return TaskResult(
        task_id=task.task_id,
        workflow=workflow,
        solution=outcome.code,
        base=score.base,
        plus=score.plus,
        verdict=outcome.verdict,
        stop_reason=outcome.stop_reason,
        usage=usage_of(outcome.usage),
        run_id=outcome.run_id,
        seed=seed,
        dataset_sha256=sha256,
        base_reason=score.base_reason,
        plus_reason=score.plus_reason,
        score_seconds=score.seconds,
    )


def run_parallel(jobs: Sequence[Callable[[], T]], *, workers: int, on_done: Callable[[T], None]) -> list[T]:
    """Run ``jobs`` on ``workers`` threads; ``on_done`` sees each result as it finishes (in this thread).

    The first exception cancels the jobs not yet started and is raised once running ones finish.
    """
    results: list[T] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures: list[Future[T]] = [pool.submit(job) for job in jobs]
        try:
            for future in as_completed(futures):
                result = future.result()
                on_done(result)
                results.append(result)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return results
