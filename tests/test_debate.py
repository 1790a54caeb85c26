"""The debate workflow end to end: scripted debaters, the real sandbox, a real (in-memory) run store."""

from __future__ import annotations

import json
from collections.abc import Callable

from sparring.llm import Model, Request, ScriptedBackend
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.tasks import demo_task
from sparring.workflows import Result, TeamConfig, solve

GOOD = """def merge_intervals(intervals):
    out = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out
"""
# the same behaviour, spelled differently: the vote must count it with GOOD
GOOD2 = """def merge_intervals(intervals):
    merged = []
    for pair in sorted(intervals, key=lambda p: (p[0], p[1])):
        if merged and pair[0] <= merged[-1][1]:
            merged[-1] = [merged[-1][0], max(merged[-1][1], pair[1])]
        else:
            merged.append(list(pair))
    return merged
"""
UNSORTED = GOOD.replace("sorted(intervals)", "intervals")  # passes the docstring, fails unsorted input
BAD = "def merge_intervals(intervals):\n    return sorted(intervals)\n"
TESTS = "```python\nassert merge_intervals([[5, 6], [1, 2]]) == [[1, 2], [5, 6]]\n```"


def argument(code: str, confidence: float, reason: str = "", disagree: tuple[str, ...] = ()) -> str:
    points = [{"point": d, "why": "the specification says so"} for d in disagree]
    return json.dumps(
        {"agree": [], "disagree": points, "code": code, "confidence": confidence, "reason": reason}
    )


Debaters = dict[str, Callable[[int], str]]


def debate(
    debaters: Debaters,
    prompts: list[str] | None = None,
    judge: Callable[[str], str] | None = None,
    **settings: object,
) -> tuple[Result, RunStore]:
    rounds: dict[str, int] = {}

    def script(request: Request) -> str:
        system, last = request.messages[0].content, request.messages[-1].content
        if "tester" in system:
            return TESTS
        if "impartial judge" in system and judge is not None:
            return judge(last)
        name = system.split(",")[0].removeprefix("You are ")
        rounds[name] = rounds.get(name, -1) + 1
        if prompts is not None:
            prompts.append(last)
        return debaters[name](rounds[name])

    model = Model(ScriptedBackend(script))
    store = RunStore(":memory:")
    config = TeamConfig(workflow="debate", settings={"agents": len(debaters), **settings})
    result = solve(demo_task(), config, store=store, sandbox=open_sandbox(), models=lambda role: model)
    return result, store


def kinds(store: RunStore, run_id: str, kind: str) -> list[dict[str, object]]:
    return [e.payload for e in store.events(run_id) if e.kind == kind]


def test_a_debate_converges_when_the_dissenter_is_convinced() -> None:
    prompts: list[str] = []
    result, store = debate(
        {
            "minimalist": lambda r: argument(GOOD, 0.8, "sort, then sweep"),
            "edge_hunter": lambda r: argument(GOOD2, 0.7, "sort by start, then merge"),
            "skeptic": lambda r: argument(UNSORTED if r == 0 else GOOD, 0.6, disagree=("sorting",) * r),
        },
        prompts,
    )
    assert result.verdict == "passed" and "sorted(" in result.code
    edges = [e["reason"] for e in kinds(store, result.run_id, "edge") if e["from"] == "probe"]
    assert edges == ["disagreement remains", "every proposal passes the tests"]
    (vote,) = kinds(store, result.run_id, "vote")
    assert len(vote["scores"]) == 1  # three spellings, one behaviour: one label  # type: ignore[arg-type]
    assert kinds(store, result.run_id, "conflict") == []
    # round 1 shows each debater the others' code and evidence, but not their confidence
    critiques = [p for p in prompts if "The others propose" in p]
    assert len(critiques) == 3 and all("confidence 0." not in p for p in critiques)
    assert "passes 1 of 4 tests" not in critiques[0] and "passes 3 of 4 tests" in critiques[0]


def test_a_debate_that_never_agrees_ends_at_the_round_limit_with_the_conflict_recorded() -> None:
    result, store = debate(
        {
            "minimalist": lambda r: argument(GOOD, 0.6, "touching intervals merge"),
            "edge_hunter": lambda r: argument(
                BAD if r % 2 == 0 else UNSORTED, 0.7, "no merging needed", ("merging overlaps",)
            ),
        },
        max_rounds=3,
    )
    edges = [e["reason"] for e in kinds(store, result.run_id, "edge") if e["from"] == "probe"]
    assert edges == ["disagreement remains", "disagreement remains", "round limit (3)"]
    assert result.verdict == "passed" and "sorted(" in result.code
    (conflict,) = kinds(store, result.run_id, "conflict")
    (loser,) = conflict["losing"]  # type: ignore[misc]
    assert loser["agent"] == "edge_hunter" and loser["reason"] == "no merging needed"
    assert loser["disagree"] == ["merging overlaps — the specification says so"]


def test_executed_evidence_overrules_a_confident_majority() -> None:
    debaters: Debaters = {
        "minimalist": lambda r: argument(UNSORTED, 0.95, "the input is sorted"),
        "edge_hunter": lambda r: argument(UNSORTED, 0.9, "the input is sorted"),
        "skeptic": lambda r: argument(GOOD, 0.3, "the input may be unsorted"),
    }
    by_confidence, store = debate(debaters, vote="weighted")
    assert by_confidence.verdict == "failed" and "sorted(" not in by_confidence.code
    by_evidence, store = debate(debaters)  # the default vote: evidence first
    assert by_evidence.verdict == "passed" and "sorted(" in by_evidence.code
    edges = [e["reason"] for e in kinds(store, by_evidence.run_id, "edge") if e["from"] == "probe"]
    assert edges[-1] == "positions stopped changing"
    (vote,) = kinds(store, by_evidence.run_id, "vote")
    assert vote["method"] == "evidence" and sorted(vote["evidence"].values()) == [0.75, 1.0]  # type: ignore[union-attr]
    (conflict,) = kinds(store, by_evidence.run_id, "conflict")
    assert [p["agent"] for p in conflict["losing"]] == ["minimalist", "edge_hunter"]  # type: ignore[union-attr]


def test_a_tie_goes_to_the_judge() -> None:
    def judge(prompt: str) -> str:  # picks the side held by the minimalist
        held = [part.split(" ")[0] for part in prompt.split("### ")[1:] if "held by minimalist" in part]
        return json.dumps({"choice": held[0], "reason": "it merges"})

    debaters: Debaters = {
        "minimalist": lambda r: argument(GOOD, 0.5),
        "edge_hunter": lambda r: argument(BAD, 0.5),
    }
    result, store = debate(debaters, judge=judge, vote="majority", tie_break="judge")
    (vote,) = kinds(store, result.run_id, "vote")
    assert vote["tie_break"] == "judge" and len(vote["tied"]) == 2  # type: ignore[arg-type]
    assert result.verdict == "passed" and result.usage["by_role"]["judge"]["calls"] == 1


def probe_edges(store: RunStore, run_id: str) -> list[object]:
    return [e["reason"] for e in kinds(store, run_id, "edge") if e["from"] == "probe"]


def test_a_debate_stops_when_every_confidence_passes_the_threshold() -> None:
    debaters: Debaters = {
        "minimalist": lambda r: argument(GOOD, 0.9),
        "edge_hunter": lambda r: argument(BAD, 0.8),
    }
    result, store = debate(debaters, confidence_threshold=0.75, max_rounds=3)
    assert probe_edges(store, result.run_id) == ["every confidence ≥ 0.75"]
    assert result.verdict == "passed"  # evidence decides the vote, not the confidence


def test_a_debate_stops_when_one_behaviour_remains_even_if_it_fails() -> None:
    debaters: Debaters = {
        "minimalist": lambda r: argument(UNSORTED, 0.4),
        "edge_hunter": lambda r: argument(UNSORTED.replace("out", "res"), 0.5),
    }
    result, store = debate(debaters, max_rounds=3)
    assert probe_edges(store, result.run_id) == ["consensus: one behaviour"]
    assert result.verdict == "failed" and kinds(store, result.run_id, "conflict") == []


def test_a_confident_minority_wins_the_confidence_weighted_vote() -> None:
    debaters: Debaters = {
        "minimalist": lambda r: argument(BAD, 0.3, "sorting is enough"),
        "edge_hunter": lambda r: argument(BAD, 0.3, "sorting is enough"),
        "skeptic": lambda r: argument(GOOD, 0.95, "overlaps must merge"),
    }
    result, store = debate(debaters, vote="weighted", max_rounds=1)
    (vote,) = kinds(store, result.run_id, "vote")
    assert vote["method"] == "weighted" and "out[-1][1] = max" in result.code  # 0.95 > 0.3 + 0.3
    (conflict,) = kinds(store, result.run_id, "conflict")
    assert [p["agent"] for p in conflict["losing"]] == ["minimalist", "edge_hunter"]  # type: ignore[union-attr]


def test_a_tie_with_tie_break_debate_sends_the_debate_on_before_the_seeded_draw() -> None:
    debaters: Debaters = {
        "minimalist": lambda r: argument(GOOD, 0.5),
        "edge_hunter": lambda r: argument(BAD, 0.5),
    }
    result, store = debate(debaters, vote="majority", tie_break="debate", max_rounds=3)
    votes = kinds(store, result.run_id, "vote")
    assert votes[0]["next"] == "debate again" and str(votes[-1]["tie_break"]).startswith("random")
    assert result.usage["by_role"]["debater"]["calls"] > 2  # it argued again after the first tie
