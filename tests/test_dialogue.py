"""Short-term dialogue inside the test design phase: objections and revisions stay in the phase."""

from __future__ import annotations

import json
from collections.abc import Callable

from sparring.llm import Model, Request, ScriptedBackend
from sparring.sandbox import open_sandbox
from sparring.store import Event, RunStore
from sparring.tasks import demo_task
from sparring.workflows import Result, TeamConfig, solve
from tests.test_workflows import GOOD

WRONG = "assert merge_intervals([[1, 2], [2, 3]]) == [[1, 2], [2, 3]]"  # touching intervals do merge
RIGHT = "assert merge_intervals([[5, 6], [1, 2]]) == [[1, 2], [5, 6]]"
FIXED = "assert merge_intervals([[1, 2], [2, 3]]) == [[1, 3]]"
WHY = "touching intervals merge, says the docstring"


def block(*asserts: str) -> str:
    return "```python\n" + "\n".join(asserts) + "\n```"


def objecting_reviewer(request: Request) -> str:
    """Objects to WRONG wherever it stands in the numbered list; accepts everything else."""
    lines = [line for line in request.messages[-1].content.splitlines() if line[:1].isdigit()]
    verdicts = [{"index": i, "correct": WRONG not in line, "reason": WHY} for i, line in enumerate(lines, 1)]
    return json.dumps({"verdicts": verdicts})


def dialogue_run(
    designer: Callable[[Request], str],
    reviewer: Callable[[Request], str] = objecting_reviewer,
    **settings: object,
) -> tuple[Result, list[Request], list[Event]]:
    def script(request: Request) -> str:
        system = request.messages[0].content
        if "software tester" in system:
            return designer(request)
        if "review test cases" in system:
            return reviewer(request)
        return GOOD

    backend, store = ScriptedBackend(script), RunStore(":memory:")
    model = Model(backend)
    team = {"samples": 1, "widen": 0, "review_tests": True, "design_tests": "first"}
    config = TeamConfig(workflow="sop", settings={**team, **settings})
    result = solve(demo_task(), config, store=store, sandbox=open_sandbox(), models=lambda r: model)
    return result, backend.requests, store.events(result.run_id)


def revising_designer(request: Request) -> str:
    return block(RIGHT, FIXED) if len(request.messages) > 2 else block(RIGHT, WRONG)


def test_the_revision_sees_the_objection_and_the_coder_sees_only_the_kept_tests() -> None:
    result, requests, events = dialogue_run(revising_designer)
    assert result.verdict == "passed"
    designer = [r for r in requests if "software tester" in r.messages[0].content]
    assert len(designer) == 2
    revision = designer[1].messages
    assert [m.role for m in revision] == ["system", "user", "assistant", "user"]
    assert WRONG in revision[2].content  # its own proposal, then the reviewer's objection with reasons
    assert WHY in revision[3].content and WRONG in revision[3].content
    assert result.evidence["tests"] == [RIGHT, FIXED]
    assert [d["test"] for d in result.evidence["dropped_tests"]] == [WRONG]  # replaced, with its reason
    turns = [e.payload for e in events if e.kind == "dialogue"]
    assert [sorted(t) for t in turns] == [
        ["objections", "phase", "turn"],
        ["phase", "revision", "turn"],
        ["objections", "phase", "turn"],
    ]
    assert turns[0]["objections"][0]["test"] == WRONG and turns[2]["objections"] == []
    for coder in (r for r in requests if "expert Python" in r.messages[0].content):
        text = json.dumps([m.content for m in coder.messages])
        assert WHY not in text and WRONG not in text and "objects" not in text


def test_the_dialogue_is_capped_and_the_reviewer_has_the_last_word() -> None:
    def stubborn(request: Request) -> str:  # never fixes the test it is told about
        return block(RIGHT, WRONG)

    for turns, designer_calls in ((0, 1), (2, 3)):
        result, _, _ = dialogue_run(stubborn, test_review_turns=turns)
        calls = result.usage["by_role"]
        assert calls["test_designer"]["calls"] == designer_calls
        assert calls["test_reviewer"]["calls"] == turns + 1
        assert result.evidence["tests"] == [RIGHT]
        assert [d["test"] for d in result.evidence["dropped_tests"]] == [WRONG]
        assert WHY in result.evidence["dropped_tests"][0]["reason"]


def test_a_reviewer_without_objections_ends_the_dialogue_at_once() -> None:
    result, _, events = dialogue_run(lambda r: block(RIGHT), reviewer=objecting_reviewer)
    assert result.usage["by_role"]["test_designer"]["calls"] == 1
    assert [e.payload["objections"] for e in events if e.kind == "dialogue"] == [[]]


def test_without_review_tests_there_is_no_dialogue() -> None:
    result, _, events = dialogue_run(revising_designer, review_tests=False)
    assert "test_reviewer" not in result.usage["by_role"]
    assert result.usage["by_role"]["test_designer"]["calls"] == 1
    assert not [e for e in events if e.kind == "dialogue"]
