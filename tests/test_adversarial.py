"""Red team against blue team: refereed attacks, confirmed breaks forcing a fix; the sop stage."""

from __future__ import annotations

from sparring.llm import Model, Request, ScriptedBackend
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.tasks import demo_task
from sparring.workflows import Result, TeamConfig, solve
from tests.test_debate import GOOD, UNSORTED
from tests.test_properties import COVERS, SAME_LENGTH

INVALID = "assert merge_intervals([[1, 4], [4, 5]]) == [[1, 4], [4, 5]]"  # contradicts the docstring
VALID = "assert merge_intervals([[8, 9], [1, 2]]) == [[1, 2], [8, 9]]"  # unsorted input, allowed by the spec


def fence(*lines: str) -> str:
    return "```python\n" + "\n".join(lines) + "\n```"


def attack(
    workflow: str, attacks: str, verdicts: str = "", **settings: object
) -> tuple[Result, RunStore, ScriptedBackend]:
    def script(request: Request) -> str:
        system, last = request.messages[0].content, request.messages[-1].content
        if "red-team" in system:
            return attacks
        if "review test cases" in system:
            return verdicts
        if "tester" in system:
            return fence("assert merge_intervals([[1, 2]]) == [[1, 2]]")
        if "debugging" in system:
            return "The input is not sorted before the sweep; sort it first."
        return fence(GOOD if "earlier attempt is wrong" in last else UNSORTED)

    backend = ScriptedBackend(script)
    model = Model(backend)
    store = RunStore(":memory:")
    config = TeamConfig(workflow=workflow, settings=settings)
    result = solve(demo_task(), config, store=store, sandbox=open_sandbox(), models=lambda role: model)
    return result, store, backend


def red_team_events(store: RunStore, run_id: str) -> list[dict[str, object]]:
    return [e.payload for e in store.events(run_id) if e.kind == "red_team"]


def test_an_invalid_attack_is_discarded_and_a_valid_break_forces_a_fix() -> None:
    result, store, backend = attack("adversarial", fence(INVALID, VALID))
    assert result.verdict == "passed" and "sorted(" in result.code
    assert result.evidence["dropped_tests"][0] == {
        "test": INVALID,
        "reason": "contradicts the specification's example",
    }
    assert VALID in result.evidence["tests"] and INVALID not in result.evidence["tests"]
    first, second = red_team_events(store, result.run_id)
    assert first["breaks"] == [VALID] and second["breaks"] == [] and second["proposed"] == 1
    # blue was shown the failing input
    repair = next(r for r in backend.requests if "earlier attempt is wrong" in r.messages[-1].content)
    assert "merge_intervals([[8, 9], [1, 2]])" in repair.messages[-1].content
    assert result.usage["by_role"]["coder"]["calls"] == 2


def test_an_attack_that_only_contradicts_the_spec_breaks_nothing() -> None:
    result, store, _ = attack("adversarial", fence(INVALID))
    assert result.verdict == "passed" and result.usage["by_role"]["coder"]["calls"] == 1
    (only,) = red_team_events(store, result.run_id)
    assert only["breaks"] == [] and only["discarded"] == [
        {"test": INVALID, "reason": "contradicts the specification's example"}
    ]


def test_a_break_that_stands_at_the_round_limit_fails_the_run() -> None:
    result, _, _ = attack("adversarial", fence(VALID), max_rounds=1)
    assert result.verdict == "failed" and not result.evidence["accepted_by_review"]


def test_sop_runs_the_red_team_stage_when_asked() -> None:
    off, store, _ = attack("sop", fence(VALID), samples=1, test_count=1)
    assert off.verdict == "passed" and "sorted(" not in off.code and red_team_events(store, off.run_id) == []
    on, store, _ = attack("sop", fence(INVALID, VALID), samples=1, test_count=1, red_team=True)
    assert on.verdict == "passed" and "sorted(" in on.code
    assert [e["breaks"] for e in red_team_events(store, on.run_id)] == [[VALID], []]


# Hypothesis properties from the red team (see tests/test_properties.py for the runner itself).
IMPORTS = "from hypothesis import given, strategies as st"


def property_events(store: RunStore, run_id: str) -> list[list[dict[str, object]]]:
    return [e["properties"] for e in red_team_events(store, run_id)]  # type: ignore[misc]


def test_a_valid_property_breaks_buggy_code_and_the_falsifying_input_forces_a_fix() -> None:
    result, store, backend = attack("adversarial", fence(IMPORTS, COVERS))
    assert result.verdict == "passed" and "sorted(" in result.code
    first, second = property_events(store, result.run_id)
    assert [(p["name"], p["status"]) for p in first] == [("test_covers_every_interval", "broken")]
    assert [(p["name"], p["status"]) for p in second] == [("test_covers_every_interval", "held")]
    # blue was shown hypothesis's minimal failing input and what its code answered there
    call, answered = first[0]["calls"][-1]  # type: ignore[index]
    repair = next(r for r in backend.requests if "earlier attempt is wrong" in r.messages[-1].content)
    shown = repair.messages[-1].content
    assert f"on {first[0]['input']}" in shown and f"{call} {answered}" in shown
    assert "def test_covers_every_interval" in shown
    assert result.usage["by_role"]["coder"]["calls"] == 2


def test_a_property_contradicting_a_spec_example_is_discarded() -> None:
    result, store, _ = attack("adversarial", fence(IMPORTS, SAME_LENGTH))
    assert result.verdict == "passed" and result.usage["by_role"]["coder"]["calls"] == 1
    ((only,),) = property_events(store, result.run_id)
    assert only["status"] == "contradicts"
    (dropped,) = result.evidence["dropped_tests"]
    assert dropped["reason"].startswith("property test_same_length: fails on the spec's example")
    assert "merge_intervals([[1, 3], [2, 6], [8, 10], [15, 18]])" in dropped["reason"]


def test_a_property_that_crashes_on_its_own_is_invalid_and_breaks_nothing() -> None:
    crashes = COVERS.replace("merge_intervals(intervals)", "merge_intervals(list(intervals))[0]")
    result, store, _ = attack("adversarial", fence(IMPORTS, crashes))  # against the buggy code
    assert result.verdict == "passed" and "sorted(" not in result.code
    assert result.usage["by_role"]["coder"]["calls"] == 1
    ((only,),) = property_events(store, result.run_id)
    assert only["status"] == "invalid" and "the property itself raises IndexError" in str(only["detail"])
    assert result.evidence["dropped_tests"][0]["reason"].startswith("property test_covers_every_interval:")


def test_plain_asserts_and_properties_attack_together() -> None:
    result, store, _ = attack("adversarial", fence(IMPORTS, INVALID, SAME_LENGTH, COVERS))
    assert result.verdict == "passed" and "sorted(" in result.code
    first, second = red_team_events(store, result.run_id)
    assert first["discarded"] == [{"test": INVALID, "reason": "contradicts the specification's example"}]
    assert [p["status"] for p in first["properties"]] == ["contradicts", "broken"]  # type: ignore[union-attr]
    # the next round re-runs the standing property; the discarded one is not retried
    assert [p["status"] for p in second["properties"]] == ["held"]  # type: ignore[union-attr]
    # asserts inside a property body are not read as plain attacks
    assert first["proposed"] == 1 and result.evidence["tests"] == []


def test_with_review_tests_the_test_reviewer_judges_properties_too() -> None:
    verdicts = '{"verdicts": [{"index": 1, "correct": false, "reason": "the spec says nothing of this"}]}'
    result, store, backend = attack("adversarial", fence(IMPORTS, COVERS), verdicts, review_tests=True)
    assert result.verdict == "passed" and result.usage["by_role"]["coder"]["calls"] == 1
    (dropped,) = result.evidence["dropped_tests"]
    assert dropped["reason"] == "test reviewer: the spec says nothing of this"
    assert "def test_covers_every_interval" in dropped["test"]
    review = next(r for r in backend.requests if "review test cases" in r.messages[0].content)
    assert "1. from hypothesis import given" in review.messages[-1].content
    assert property_events(store, result.run_id) == [[]]
