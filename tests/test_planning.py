"""The recursive planner: a structured plan tree, capped in depth and calls, tolerant of garbage replies."""

from __future__ import annotations

import json
from collections.abc import Callable

from sparring.llm import Model, Request, ScriptedBackend
from sparring.sandbox import open_sandbox
from sparring.store import Event, RunStore
from sparring.tasks import demo_task
from sparring.workflows import Result, TeamConfig, solve
from sparring.workflows.planning import Plan, PlanStep, render
from tests.test_workflows import GOOD, TESTS


def subtask(name: str, large: bool = False) -> dict[str, object]:
    return {
        "name": name,
        "interface": f"{name}(intervals) -> list",
        "done_when": f"{name} ok",
        "large": large,
    }


TOP = json.dumps(
    {"approach": "sort, then sweep", "subtasks": [subtask("sort_starts"), subtask("sweep", large=True)]}
)
SWEEP = json.dumps({"approach": "one pass", "subtasks": [subtask("extend_last"), subtask("start_new")]})


def planning_run(
    planner: Callable[[Request], str], **settings: object
) -> tuple[Result, list[Request], list[Event]]:
    """sop with a plan; returns the result, every request sent, and the run's events."""

    def script(request: Request) -> str:
        system = request.messages[0].content
        if "plans before coding" in system:
            return planner(request)
        return TESTS if "tester" in system else GOOD

    backend, store = ScriptedBackend(script), RunStore(":memory:")
    model = Model(backend)
    config = TeamConfig(workflow="sop", settings={"samples": 1, "widen": 0, "plan": True, **settings})
    result = solve(demo_task(), config, store=store, sandbox=open_sandbox(), models=lambda r: model)
    return result, backend.requests, store.events(result.run_id)


def prompts_of(requests: list[Request], system_word: str) -> list[str]:
    return [r.messages[-1].content for r in requests if system_word in r.messages[0].content]


def test_a_large_subtask_is_decomposed_again_and_the_tree_reaches_coder_and_tester() -> None:
    result, requests, events = planning_run(lambda r: SWEEP if "`sweep`" in r.messages[1].content else TOP)
    assert result.verdict == "passed"
    planner = prompts_of(requests, "plans before coding")
    assert len(planner) == 2 and "the subtask `sweep`" in planner[1]
    tree = Plan.model_validate(next(e.payload["tree"] for e in events if e.kind == "plan"))
    assert [s.name for s in tree.steps] == ["sort_starts", "sweep"]
    assert [s.name for s in tree.steps[1].steps] == ["extend_last", "start_new"]
    for prompt in prompts_of(requests, "expert Python") + prompts_of(requests, "tester"):
        assert "2.1. extend_last: `extend_last(intervals) -> list`; done when extend_last ok" in prompt
        assert "Approach: sort, then sweep" in prompt


def test_the_depth_cap_and_the_call_cap_hold_however_large_the_planner_says_things_are() -> None:
    def everything_large(request: Request) -> str:
        return json.dumps({"subtasks": [subtask("a", large=True), subtask("b", large=True)]})

    calls = {}
    for depth in (1, 2, 3, 9):
        _, requests, _ = planning_run(everything_large, plan_depth=depth)
        calls[depth] = len(prompts_of(requests, "plans before coding"))
    # 1 top call; each level below doubles; the planner role caps the calls at 8 in all
    assert calls == {1: 1, 2: 3, 3: 7, 9: 8}


def test_a_garbage_planner_reply_means_no_plan_not_a_crash() -> None:
    result, requests, events = planning_run(lambda r: "Step 1: think hard. Step 2: code it.")
    assert result.verdict == "passed"
    assert [e.kind for e in events].count("plan.failed") == 1
    assert len(prompts_of(requests, "plans before coding")) == 3  # one try and the model layer's 2 repairs
    assert all("Follow this approach" not in p for p in prompts_of(requests, "expert Python"))


def test_a_garbage_reply_for_a_subtask_leaves_that_subtask_undivided() -> None:
    result, _, events = planning_run(lambda r: "{oops" if "`sweep`" in r.messages[1].content else TOP)
    assert result.verdict == "passed"
    failed = [e.payload for e in events if e.kind == "plan.failed"]
    assert len(failed) == 1 and failed[0]["subtask"] == "sweep"
    tree = Plan.model_validate(next(e.payload["tree"] for e in events if e.kind == "plan"))
    assert [s.name for s in tree.steps] == ["sort_starts", "sweep"] and tree.steps[1].steps == []


def test_the_plan_renders_as_numbered_indented_text() -> None:
    leaf = PlanStep(name="b", interface="b()", done_when="b works")
    tree = Plan(approach="x", steps=[PlanStep(name="a", interface="a()", done_when="ok", steps=[leaf])])
    assert render(tree) == "Approach: x\n1. a: `a()`; done when ok\n   1.1. b: `b()`; done when b works"
