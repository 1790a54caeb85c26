"""Fold per-task results into one summary per workflow, with fixed/broken tasks relative to ``single``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rich.table import Table

from sparring.bench.results import TaskResult
from sparring.bench.stats import mcnemar_p, wilson

BASELINE = "single"


def _rate(count: int | None, n: int) -> float | None:
    return None if count is None or n == 0 else count / n


def _per(total: float, n: int) -> float:
    return total / n if n else 0.0


@dataclass(frozen=True)
class WorkflowSummary:
    """Counts and costs of one workflow over the benchmark's tasks."""

    workflow: str
    n: int
    pass_base: int
    pass_plus: int | None
    tokens: float
    calls: float
    seconds: float
    fixed: tuple[str, ...] | None = None
    """Tasks this workflow passes and ``single`` fails (``None`` for ``single`` or without it)."""
    broken: tuple[str, ...] | None = None
    """Tasks ``single`` passes and this workflow fails."""
    prompt_tokens: float | None = None
    """Of ``tokens``, the prompts' (``None`` when some task's result predates the split)."""
    completion_tokens: float | None = None
    """Of ``tokens``, the generated ones."""
    by_role: dict[str, dict[str, float]] | None = None
    """Usage totals per role: calls, requests, choices, tokens and their split (``None`` when some
    task's result does not carry them)."""

    @property
    def pass1_base(self) -> float | None:
        return _rate(self.pass_base, self.n)

    @property
    def pass1_plus(self) -> float | None:
        return _rate(self.pass_plus, self.n)

    @property
    def tasks_per_hour(self) -> float | None:
        """Tasks one worker finishes per hour, from the solver's own seconds."""
        return 3600 * self.n / self.seconds if self.seconds > 0 else None

    @property
    def interval(self) -> tuple[float, float]:
        """95% Wilson interval of the headline pass rate (plus where the dataset has it)."""
        passed = self.pass_plus if self.pass_plus is not None else self.pass_base
        return wilson(passed, self.n)

    def to_json(self) -> dict[str, Any]:
        return {
            "workflow": self.workflow,
            "n": self.n,
            "pass_base": self.pass_base,
            "pass_plus": self.pass_plus,
            "pass1_base": self.pass1_base,
            "pass1_plus": self.pass1_plus,
            "tokens": self.tokens,
            "tokens_per_task": _per(self.tokens, self.n),
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "calls": self.calls,
            "calls_per_task": _per(self.calls, self.n),
            "seconds": self.seconds,
            "seconds_per_task": _per(self.seconds, self.n),
            "tasks_per_hour": self.tasks_per_hour,
            "interval95": list(self.interval),
            "fixed": list(self.fixed) if self.fixed is not None else None,
            "broken": list(self.broken) if self.broken is not None else None,
            "vs_single_mcnemar_p": (
                mcnemar_p(len(self.fixed), len(self.broken))
                if self.fixed is not None and self.broken is not None
                else None
            ),
            "by_role": self.by_role,
        }


@dataclass(frozen=True)
class HeadToHead:
    """Two workflows on the tasks both ran: the tasks only the first passed, only the second."""

    first: str
    second: str
    first_only: tuple[str, ...]
    second_only: tuple[str, ...]

    @property
    def p(self) -> float:
        """Exact two-sided McNemar p: how often a split this uneven comes from two equal workflows."""
        return mcnemar_p(len(self.first_only), len(self.second_only))

    def to_json(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "second": self.second,
            "first_only": list(self.first_only),
            "second_only": list(self.second_only),
            "mcnemar_p": self.p,
        }


@dataclass(frozen=True)
class BenchSummary:
    """The whole benchmark: one ``WorkflowSummary`` per workflow, in the order they were asked for."""

    dataset: str
    dataset_sha256: str
    has_plus: bool
    workflows: tuple[WorkflowSummary, ...]
    wall_seconds: float = 0.0
    files: dict[str, str] = field(default_factory=dict)
    """Paths written: results, export, report.md, report.json, plot.png."""
    metric: str = "base"
    """What ``pass_base`` counts: ``base`` tests passed, or ``resolved`` repository instances."""
    pairs: tuple[HeadToHead, ...] = ()
    """Every pair of workflows other than ``single`` (those are ``fixed`` / ``broken``), head to head."""

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "dataset_sha256": self.dataset_sha256,
            "has_plus": self.has_plus,
            "metric": self.metric,
            "wall_seconds": self.wall_seconds,
            "files": dict(self.files),
            "workflows": {w.workflow: w.to_json() for w in self.workflows},
            "head_to_head": [p.to_json() for p in self.pairs],
        }

    def __rich__(self) -> Table:
        from sparring.bench.report import summary_table

        return summary_table(self)


def _carries(result: TaskResult, key: str) -> bool:
    """The result reports ``key``, or spent no tokens (a task that failed before any call)."""
    return key in result.usage or not result.usage.get("tokens")


def _split_total(results: Sequence[TaskResult], key: str) -> float | None:
    """The total of ``prompt_tokens`` or ``completion_tokens``, if every result reports it: results
    files written before the split only know ``tokens``, and a partial sum would not add up to it."""
    if not all(_carries(r, key) for r in results):
        return None
    return sum(float(r.usage.get(key) or 0) for r in results)


def _role_totals(results: Sequence[TaskResult]) -> dict[str, dict[str, float]] | None:
    if not all(_carries(r, "by_role") for r in results):
        return None
    totals: dict[str, dict[str, float]] = {}
    for r in results:
        for role, numbers in (r.usage.get("by_role") or {}).items():
            into = totals.setdefault(role, {})
            for key, value in numbers.items():
                into[key] = into.get(key, 0.0) + float(value)
    return {role: totals[role] for role in sorted(totals)}


def summarize_workflow(workflow: str, results: Sequence[TaskResult], has_plus: bool) -> WorkflowSummary:
    return WorkflowSummary(
        workflow=workflow,
        n=len(results),
        pass_base=sum(r.base for r in results),
        pass_plus=sum(bool(r.plus) for r in results) if has_plus else None,
        tokens=sum(r.usage.get("tokens", 0.0) for r in results),
        calls=sum(r.usage.get("calls", 0.0) for r in results),
        seconds=sum(r.usage.get("seconds", 0.0) for r in results),
        prompt_tokens=_split_total(results, "prompt_tokens"),
        completion_tokens=_split_total(results, "completion_tokens"),
        by_role=_role_totals(results),
    )


def fixed_and_broken(
    results: Iterable[TaskResult], baseline: Iterable[TaskResult]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Task ids passed here but failed by the baseline, and the reverse (tasks both ran only)."""
    base = {r.task_id: r.passed for r in baseline}
    mine = {r.task_id: r.passed for r in results if r.task_id in base}
    fixed = tuple(sorted(t for t, ok in mine.items() if ok and not base[t]))
    broken = tuple(sorted(t for t, ok in mine.items() if base[t] and not ok))
    return fixed, broken


def summarize(
    results: Iterable[TaskResult],
    workflows: Sequence[str],
    *,
    dataset: str,
    sha256: str,
    has_plus: bool,
    wall_seconds: float = 0.0,
    metric: str = "base",
) -> BenchSummary:
    """One summary per workflow; fixed/broken are filled for every workflow when ``single`` ran."""
    by_workflow: dict[str, list[TaskResult]] = {w: [] for w in workflows}
    for result in results:
        by_workflow.setdefault(result.workflow, []).append(result)
    baseline = by_workflow.get(BASELINE) if BASELINE in workflows else None
    summaries = []
    for workflow, rows in by_workflow.items():
        summary = summarize_workflow(workflow, rows, has_plus)
        if baseline is not None and workflow != BASELINE:
            fixed, broken = fixed_and_broken(rows, baseline)
            summary = replace(summary, fixed=fixed, broken=broken)
        summaries.append(summary)
    others = [w for w in by_workflow if w != BASELINE]
    pairs = tuple(
        HeadToHead(a, b, *fixed_and_broken(by_workflow[a], by_workflow[b]))
        for i, a in enumerate(others)
        for b in others[i + 1 :]
    )
    return BenchSummary(dataset, sha256, has_plus, tuple(summaries), wall_seconds, metric=metric, pairs=pairs)
