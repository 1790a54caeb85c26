"""The equal-budget baseline: the per-task usage split into prompt and completion tokens, carried
into the summary, and ``sample@K`` chosen by tokens (calls where old results lack the split)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sparring.bench.baseline import baselines, choose_k, equal_budget_k, parallel_of, sample_tokens
from sparring.bench.results import ResultsFile, TaskResult
from sparring.bench.runner import usage_of as bench_usage
from sparring.bench.summary import summarize
from sparring.llm import Model, ScriptedBackend
from sparring.llm.scripted import estimate_tokens
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.tasks import demo_task
from sparring.workflows import TeamConfig, solve

CODE = """```python
def merge_intervals(intervals):
    out = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out
```"""

# A results line as written before the split (benchmarks/results/*/results.jsonl)
OLD_LINE = {
    "format": 1, "task_id": "HumanEval/0", "workflow": "sop", "solution": "def f():\n    pass\n",
    "base": True, "plus": True, "verdict": "passed", "stop_reason": None,
    "usage": {"tokens": 1500.0, "calls": 3.0, "seconds": 40.0}, "run_id": "r", "seed": 0,
    "dataset_sha256": "abc", "base_reason": "", "plus_reason": "", "score_seconds": 0.1,
}  # fmt: skip


# --- the estimate: numbers in, K out -------------------------------------------------------------


def test_sample_tokens_bills_the_prompt_per_request_and_per_group_of_choices() -> None:
    # prompt 250, one candidate 90: greedy request 340, then one request for the k - 1 others
    assert sample_tokens(1, 250, 90) == 340
    assert sample_tokens(2, 250, 90) == 340 + 250 + 90
    assert sample_tokens(9, 250, 90) == 340 + 250 + 8 * 90  # 8 choices: one group
    assert sample_tokens(10, 250, 90) == 340 + 2 * 250 + 9 * 90  # 9 choices: two groups
    assert sample_tokens(4, 250, 90, parallel=1) == 4 * 340  # one call per choice
    with pytest.raises(ValueError):
        sample_tokens(0, 250, 90)


def test_k_is_the_smallest_whose_estimate_reaches_the_team() -> None:
    assert equal_budget_k(1500, 250, 90) == 10  # 1,310 at K = 9, 1,650 at K = 10
    assert equal_budget_k(1310, 250, 90) == 9  # reaching is enough
    assert equal_budget_k(1500, 250, 90, parallel=1) == 5  # 1,360 at 4, 1,700 at 5
    assert equal_budget_k(300, 250, 90) == 2  # never below 2
    assert equal_budget_k(10**6, 250, 90) == 32  # capped
    assert equal_budget_k(10**6, 250, 90, most=12) == 12
    with pytest.raises(ValueError):
        equal_budget_k(1500, 0, 0)


def _stats(n: int, tokens: float, calls: float, **extra: Any) -> dict[str, Any]:
    return {"n": n, "tokens": tokens, "calls": calls, **extra}


def test_k_comes_from_single_when_it_measured_the_split() -> None:
    # sop: 3.5 calls but 1,500 tokens a task; the calls rule would give sample@4
    team = _stats(10, 15_000, 35, prompt_tokens=11_000, completion_tokens=4_000)
    single = _stats(10, 3_400, 10, prompt_tokens=2_500, completion_tokens=900)
    assert choose_k(team, single) == (10, "single")


def test_k_comes_from_the_teams_coder_when_single_did_not_run_or_lacks_the_split() -> None:
    coder = {"calls": 30, "requests": 30, "choices": 90, "prompt_tokens": 7_500, "completion_tokens": 8_100}
    team = _stats(10, 15_000, 35, prompt_tokens=9_000, completion_tokens=6_000, by_role={"coder": coder})
    # 250 prompt tokens a call, 90 a candidate: as from single above
    assert choose_k(team, None) == (10, "coder")
    assert choose_k(team, _stats(10, 3_400, 10, prompt_tokens=None, completion_tokens=None)) == (10, "coder")
    # a backend that answered each choice as a call: every candidate bills the prompt
    one_by_one = {**coder, "calls": 90, "prompt_tokens": 22_500}
    assert parallel_of(one_by_one) == 1 and parallel_of(coder) == 8
    assert choose_k({**team, "by_role": {"coder": one_by_one}}, None) == (5, "coder")


def test_k_falls_back_to_calls_for_results_without_the_split() -> None:
    team = _stats(10, 15_000, 35)  # written before prompt and completion were recorded apart
    assert choose_k(team, _stats(10, 3_400, 10)) == (4, "calls")
    assert choose_k(_stats(10, 15_000, 10), None) == (2, "calls")
    assert choose_k(_stats(1, 15_000, 100), None) == (32, "calls")


def test_baselines_skip_single_and_samples_and_list_each_k_once() -> None:
    single = _stats(10, 3_400, 10, prompt_tokens=2_500, completion_tokens=900)
    summary = {
        "workflows": {
            "single": single,
            "sop": _stats(10, 15_000, 35),
            "reflexion": _stats(10, 15_000, 35, prompt_tokens=10_000, completion_tokens=5_000),
            "debate": _stats(0, 0, 0),
            "sample@10": _stats(10, 6_000, 20),
        }
    }
    names = ["single", "sop", "reflexion", "debate", "sample@10"]
    chosen = baselines(summary, names)
    # sop's K by tokens is sample@10, already run; reflexion's is the same; debate solved nothing
    assert chosen == []
    chosen = baselines(summary, ["single", "sop", "reflexion"])
    assert [(c.workflow, c.name, c.source) for c in chosen] == [("sop", "sample@10", "single")]
    assert chosen[0].describe() == "sample@10 for sop (by tokens, sample cost from single)"


# --- usage: the split from the run's messages into results and the summary ------------------------


def _solve(model: Model) -> dict[str, Any]:
    config = TeamConfig(workflow="sample@3")
    result = solve(
        demo_task(), config, store=RunStore(":memory:"), sandbox=open_sandbox(), models=lambda r: model
    )
    return dict(result.usage)


def test_usage_splits_tokens_and_counts_requests_calls_and_choices() -> None:
    backend = ScriptedBackend(lambda r: CODE, supports_n=True)
    usage = _solve(Model(backend))
    coder = usage["by_role"]["coder"]
    # the greedy request (n = 1) and one request for the two sampled candidates
    assert (coder["requests"], coder["calls"], coder["choices"]) == (2, 2, 3)
    prompt = sum(estimate_tokens(m.content) for m in backend.requests[0].messages)
    assert (usage["prompt_tokens"], usage["completion_tokens"]) == (2 * prompt, 3 * estimate_tokens(CODE))
    assert usage["tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert coder["prompt_tokens"] + coder["completion_tokens"] == coder["tokens"]
    assert parallel_of(coder) == 8

    one_by_one = _solve(Model(ScriptedBackend(lambda r: CODE)))["by_role"]["coder"]
    assert (one_by_one["requests"], one_by_one["calls"], one_by_one["choices"]) == (2, 3, 3)
    assert parallel_of(one_by_one) == 1

    kept = bench_usage(usage)
    assert kept["prompt_tokens"] == usage["prompt_tokens"] and kept["by_role"]["coder"]["choices"] == 3.0
    assert bench_usage({"tokens": 5, "calls": 1}) == {"tokens": 5.0, "calls": 1.0, "seconds": 0.0}


def _result(task: str, workflow: str, usage: dict[str, Any]) -> TaskResult:
    return TaskResult(task, workflow, "", True, None, "passed", None, usage=usage, dataset_sha256="abc")


def _summary(results: list[TaskResult], workflows: list[str]) -> dict[str, Any]:
    out = summarize(results, workflows, dataset="d", sha256="abc", has_plus=False).to_json()
    return dict(out["workflows"])


def test_summary_carries_the_split_only_where_every_task_measured_it() -> None:
    role = {"calls": 2.0, "requests": 2.0, "choices": 3.0, "prompt_tokens": 200.0, "completion_tokens": 15.0}
    new = {"tokens": 215.0, "calls": 2.0, "seconds": 1.0, "prompt_tokens": 200.0, "completion_tokens": 15.0}
    failed: dict[str, Any] = {}  # a task given up on before any reply: nothing spent, nothing missing
    rows = [
        _result("a", "sop", {**new, "by_role": {"coder": role}}),
        _result("b", "sop", {**new, "by_role": {"coder": role}}),
        _result("c", "sop", failed),
        _result("a", "single", new),
        _result("b", "single", {"tokens": 215.0, "calls": 1.0, "seconds": 1.0}),  # an old line
    ]
    summary = _summary(rows, ["single", "sop"])
    sop, single = summary["sop"], summary["single"]
    assert (sop["tokens"], sop["prompt_tokens"], sop["completion_tokens"]) == (430.0, 400.0, 30.0)
    assert sop["by_role"] == {"coder": {k: 2 * v for k, v in role.items()}}
    assert (
        single["prompt_tokens"] is None and single["completion_tokens"] is None and single["by_role"] is None
    )
    # single lacks the split, so the per-request cost comes from the team's own coder
    assert choose_k(sop, single)[1] == "coder"


def test_old_results_files_resume_and_choose_k_by_calls(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps(OLD_LINE) + "\n", encoding="utf-8")
    results = ResultsFile(path, "abc", resume=True)
    (old,) = results.done.values()
    assert old.usage == {"tokens": 1500.0, "calls": 3.0, "seconds": 40.0}
    summary = _summary(list(results.done.values()), ["sop"])
    assert summary["sop"]["prompt_tokens"] is None and summary["sop"]["by_role"] is None
    assert [c.name for c in baselines({"workflows": summary}, ["sop"])] == ["sample@3"]
