"""The equal-budget baseline: which ``sample@K`` costs what a team costs.

The coder's sampled candidates are the choices of one request: the prompt is billed once per
request (once per group of ``parallel`` choices on the local engine) and each extra candidate costs
only its generated tokens. Model calls therefore no longer measure budget; tokens do. K is the
smallest count whose estimated tokens per task reach the team's, with ``sample@K``'s cost estimated
from what the run measured (see docs/benchmarks.md, "The equal-budget baseline").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sparring.llm.local import EngineSettings
from sparring.workflows import split_variant

PARALLEL = EngineSettings().n_parallel
"""Choices the local engine samples from one evaluation of the prompt."""
MIN_K = 2
MAX_K = 32


def sample_tokens(k: int, prompt: float, completion: float, *, parallel: int = PARALLEL) -> float:
    """Estimated tokens of one ``sample@k`` task, from one coder request's ``prompt`` tokens and one
    candidate's ``completion`` tokens: the greedy request (prompt + completion), then one request
    for the other k - 1 candidates, which bills the prompt once per group of ``parallel`` choices
    (``parallel=1``: a backend that answers each choice as a call of its own)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    sampled = k - 1
    return prompt + completion + prompt * math.ceil(sampled / max(1, parallel)) + completion * sampled


def equal_budget_k(
    team_tokens: float,
    prompt: float,
    completion: float,
    *,
    parallel: int = PARALLEL,
    least: int = MIN_K,
    most: int = MAX_K,
) -> int:
    """The smallest K in ``least..most`` whose estimated ``sample@K`` tokens per task reach
    ``team_tokens`` (the team's mean tokens per task); ``most`` if none does."""
    if prompt < 0 or completion < 0 or prompt + completion <= 0:
        raise ValueError("the estimate needs positive prompt and completion tokens per request")
    for k in range(least, most + 1):
        if sample_tokens(k, prompt, completion, parallel=parallel) >= team_tokens:
            return k
    return most


@dataclass(frozen=True)
class BaselineChoice:
    """The K chosen for one team workflow, and what it was estimated from."""

    workflow: str
    k: int
    source: str
    """``single`` or ``coder`` (tokens, per-request cost from that workflow's coder) or ``calls``."""

    @property
    def name(self) -> str:
        return f"sample@{self.k}"

    def describe(self) -> str:
        how = "calls per task" if self.source == "calls" else f"tokens, sample cost from {self.source}"
        return f"{self.name} for {self.workflow} (by {how})"


def _positive(stats: Mapping[str, Any], *keys: str) -> bool:
    return all(isinstance(stats.get(k), int | float) and stats[k] > 0 for k in keys)


def _from_single(single: Mapping[str, Any]) -> tuple[float, float] | None:
    """Prompt and completion tokens of one coder request from ``single`` (one greedy call a task)."""
    if not _positive(single, "n", "calls", "prompt_tokens", "completion_tokens"):
        return None
    return single["prompt_tokens"] / single["calls"], single["completion_tokens"] / single["calls"]


def _coder(stats: Mapping[str, Any]) -> Mapping[str, Any]:
    by_role = stats.get("by_role")
    coder = by_role.get("coder") if isinstance(by_role, Mapping) else None
    return coder if isinstance(coder, Mapping) else {}


def _from_coder(coder: Mapping[str, Any]) -> tuple[float, float] | None:
    """Prompt tokens per coder call and completion tokens per candidate, from a team's coder. Its
    repair rounds have longer prompts than a first draw, so this overstates ``sample@K``'s cost
    somewhat (a smaller K); ``single`` is the better measure when it ran."""
    if not _positive(coder, "calls", "choices", "prompt_tokens", "completion_tokens"):
        return None
    return coder["prompt_tokens"] / coder["calls"], coder["completion_tokens"] / coder["choices"]


def parallel_of(coder: Mapping[str, Any]) -> int:
    """Choices sampled per prompt evaluation, as the team's coder requests show it: more calls than
    requests means the backend answered the choices one by one (each billing the prompt)."""
    calls, requests = coder.get("calls"), coder.get("requests")
    if isinstance(calls, int | float) and isinstance(requests, int | float) and calls > requests:
        return 1
    return PARALLEL


def choose_k(
    team: Mapping[str, Any], single: Mapping[str, Any] | None, *, most: int = MAX_K
) -> tuple[int, str]:
    """K for one team from the summary figures (``WorkflowSummary.to_json()``) of the team and of
    ``single`` (if it ran), and the figures it came from: by tokens where the prompt/completion split
    was measured, else the team's mean calls per task (results written before the split)."""
    n = team.get("n") or 0
    if not n:
        raise ValueError("the team solved no task")
    per_request = _from_single(single or {}) if single else None
    source = "single"
    if per_request is None:
        per_request, source = _from_coder(_coder(team)), "coder"
    if per_request is not None and _positive(team, "tokens"):
        prompt, completion = per_request
        k = equal_budget_k(
            team["tokens"] / n, prompt, completion, parallel=parallel_of(_coder(team)), most=most
        )
        return k, source
    return min(most, max(MIN_K, math.ceil((team.get("calls") or 0) / n))), "calls"


def baselines(summary: Mapping[str, Any], workflows: list[str], *, most: int = MAX_K) -> list[BaselineChoice]:
    """One ``sample@K`` per team workflow (not ``single`` or ``sample@…``) that solved any task; a K
    already run or chosen for another team is listed once."""
    per_workflow = summary.get("workflows", summary)
    single = per_workflow.get("single")
    chosen: list[BaselineChoice] = []
    for name in workflows:
        base, _ = split_variant(name)  # sop:team.toml is a team too
        if base == "single" or base.startswith("sample"):
            continue
        stats = per_workflow.get(name) or {}
        if not stats.get("n"):
            continue
        k, source = choose_k(stats, single, most=most)
        choice = BaselineChoice(name, k, source)
        if choice.name not in workflows and all(c.name != choice.name for c in chosen):
            chosen.append(choice)
    return chosen
