"""Every function workflow end to end, deterministic: scripted model, real sandbox, real run store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sparring.llm import Budget, Meter, Model, Request, ScriptedBackend
from sparring.roles import builtin_roles
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.tasks import demo_task, task_from_source
from sparring.workflows import Result, TeamConfig, resume, solve

GOOD = """```python
def merge_intervals(intervals):
    out = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out
```"""
BAD = "```python\ndef merge_intervals(intervals):\n    return sorted(intervals)\n```"
TESTS = (
    "```python\nassert merge_intervals([[5, 6], [1, 2]]) == [[1, 2], [5, 6]]\n"
    "assert merge_intervals([[1, 4], [4, 5]]) == [[1, 4], [4, 5]]\n```"
)


def team_script(request: Request) -> str:
    """A team whose coder is wrong until it is shown the failing evidence."""
    system, last = request.messages[0].content, request.messages[-1].content
    if "tester" in system:
        return TESTS
    if "debugging" in system:
        return "Overlapping intervals are never merged; merge when the next start is within the last end."
    if "reviewer" in system:
        return '{"accept": true, "confidence": 0.9, "issue": "", "failing_test": ""}'
    return GOOD if "earlier attempt is wrong" in last else BAD


def run(
    workflow: str,
    script: Callable[[Request], str] = team_script,
    store: RunStore | None = None,
    **settings: object,
) -> Result:
    model = Model(ScriptedBackend(script))
    config = TeamConfig(workflow=workflow, settings=settings)
    return solve(
        demo_task(),
        config,
        store=store or RunStore(":memory:"),
        sandbox=open_sandbox(),
        models=lambda role: model,
    )


def test_single_is_one_call_and_reports_failing_examples() -> None:
    result = run("single")
    assert result.verdict == "failed" and result.usage["calls"] == 1
    assert "merge_intervals([[1, 3]" in result.evidence["feedback"]


def test_reflexion_repairs_from_evidence_and_reflection() -> None:
    result = run("reflexion")
    assert result.verdict == "passed"
    assert (
        result.usage["by_role"]["reflector"]["calls"] == 1 and result.usage["by_role"]["coder"]["calls"] == 2
    )
    assert "out.append" in result.code


def test_sop_referees_tests_against_the_spec_then_repairs() -> None:
    result = run("sop", samples=1)
    assert result.verdict == "passed"
    dropped = result.evidence["dropped_tests"]
    # the designed test that contradicts the docstring's own example is dropped, the other kept
    assert [d["test"] for d in dropped] == ["assert merge_intervals([[1, 4], [4, 5]]) == [[1, 4], [4, 5]]"]
    assert result.evidence["tests"] == ["assert merge_intervals([[5, 6], [1, 2]]) == [[1, 2], [5, 6]]"]
    assert set(result.usage["by_role"]) == {"test_designer", "coder", "reflector"}


def test_sop_review_with_a_demonstrated_bug_forces_a_fix() -> None:
    calls: list[str] = []

    def script(request: Request) -> str:
        system, last = request.messages[0].content, request.messages[-1].content
        calls.append(system[:20])
        if "tester" in system:  # tests that the unsorted version passes: only the reviewer can catch it
            return "```python\nassert merge_intervals([[1, 2], [3, 4]]) == [[1, 2], [3, 4]]\n```"
        if "reviewer" in system and "sorted(" not in last:
            # a real bug: the code mutates nothing but never sorts; the test proves it
            return (
                '{"accept": false, "confidence": 0.8, "issue": "unsorted input", '
                '"failing_test": "assert merge_intervals([[8, 9], [1, 2]]) == [[1, 2], [8, 9]]"}'
            )
        if "coder" in system or "expert Python" in system:
            if "earlier attempt is wrong" in last:
                return GOOD
            return (
                "```python\ndef merge_intervals(intervals):\n    out = []\n    for s, e in intervals:\n"
                "        if out and s <= out[-1][1]:\n            out[-1][1] = max(out[-1][1], e)\n"
                "        else:\n            out.append([s, e])\n    return out\n```"
            )
        return team_script(request)

    result = run("sop", script, samples=1, review=True)
    assert result.verdict == "passed" and "sorted(" in result.code
    assert "assert merge_intervals([[8, 9], [1, 2]]) == [[1, 2], [8, 9]]" in result.evidence["tests"]


def test_a_wrong_review_claim_is_overruled_by_execution() -> None:
    def script(request: Request) -> str:
        if "reviewer" in request.messages[0].content:
            return (
                '{"accept": false, "confidence": 0.9, "issue": "?", '
                '"failing_test": "assert merge_intervals([[1, 2]]) == [[1, 2]]"}'
            )
        return GOOD if "expert Python" in request.messages[0].content else team_script(request)

    result = run("sop", script, samples=1, review=True)
    assert result.verdict == "passed" and result.evidence["accepted_by_review"]


def test_sample_at_k_selects_the_candidate_that_passes_the_examples() -> None:
    replies = iter([BAD, GOOD, BAD])
    result = run("sample@3", lambda _r: next(replies))
    assert result.verdict == "passed" and result.usage["calls"] == 3 and "out.append" in result.code


def test_sop_that_keeps_writing_the_same_code_is_stopped_with_a_reason() -> None:
    result = run(
        "sop", lambda r: TESTS if "tester" in r.messages[0].content else BAD, samples=1, max_rounds=5
    )
    assert result.verdict == "stopped:no_progress" and result.stop_reason == "stopped:no_progress"


def test_oscillating_repairs_are_stopped() -> None:
    other = BAD.replace("sorted(intervals)", "list(reversed(intervals))")
    turn = iter([BAD, other, BAD, other, BAD, other])

    def script(request: Request) -> str:
        system = request.messages[0].content
        if "tester" in system or "debugging" in system:
            return team_script(request)
        return next(turn)

    result = run("sop", script, samples=1, widen=0, max_rounds=6)
    assert result.verdict == "stopped:oscillation"


def test_budget_stop_is_named(tmp_path: Path) -> None:
    model = Model(ScriptedBackend(team_script), meter=Meter(Budget(max_calls=2)))
    config = TeamConfig(workflow="sop", settings={"samples": 1})
    result = solve(
        demo_task(), config, store=RunStore(":memory:"), sandbox=open_sandbox(), models=lambda r: model
    )
    assert result.verdict == "stopped:budget:calls"


def test_a_run_is_resumable_from_the_store(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.db")
    first = run("reflexion", store=store)
    again = resume(
        first.run_id, store=store, sandbox=open_sandbox(), models=lambda role: Model(ScriptedBackend([]))
    )
    assert again.verdict == first.verdict == "passed" and again.code == first.code


def test_task_from_a_bare_signature() -> None:
    task = task_from_source('def add(a, b):\n    """Add two numbers.\n    >>> add(1, 2)\n    3\n    """\n')
    assert task.entry_point == "add"


@pytest.mark.parametrize("bad", ["no function here", "def broken(:\n"])
def test_bad_tasks_are_clear_errors(bad: str) -> None:
    from sparring.errors import TaskError

    with pytest.raises(TaskError):
        task_from_source(bad)


def test_sop_static_checks_reach_the_reviewer() -> None:
    prompts: list[str] = []
    sloppy = GOOD.replace("    return out", "    unused = 1\n    return out")

    def script(request: Request) -> str:
        system = request.messages[0].content
        if "reviewer" in system:
            prompts.append(request.messages[-1].content)
            return '{"accept": true, "confidence": 0.9, "issue": "", "failing_test": ""}'
        return sloppy if "expert Python" in system else team_script(request)

    result = run("sop", script, samples=1, review=True)
    assert result.verdict == "passed"
    assert "Static checks: line" in prompts[0] and "F841" in prompts[0]


def test_a_truncated_test_designer_keeps_its_complete_asserts_and_the_run_goes_on() -> None:
    from sparring.llm import Completion, Usage

    def script(request: Request) -> str | Completion:
        if "tester" in request.messages[0].content:
            cut = (
                "```python\nassert merge_intervals([[5, 6], [1, 2]]) == [[1, 2], [5, 6]]\nassert merge_inter"
            )
            return Completion(cut, Usage(50, request.max_tokens), finish_reason="length")
        return GOOD

    model = Model(ScriptedBackend(script))
    store = RunStore(":memory:")
    config = TeamConfig(workflow="sop", settings={"samples": 1, "design_tests": "first"})
    result = solve(demo_task(), config, store=store, sandbox=open_sandbox(), models=lambda r: model)
    assert result.verdict == "passed"
    assert result.evidence["tests"] == ["assert merge_intervals([[5, 6], [1, 2]]) == [[1, 2], [5, 6]]"]
    # the cut-off reply's tokens are part of the run's cost
    limit = builtin_roles()["test_designer"].max_tokens
    assert result.usage["by_role"]["test_designer"]["tokens"] >= 50 + limit


def test_sop_judges_new_candidates_before_calling_no_progress() -> None:
    """In a repair round the first candidate repeats the old code, the second fixes it: it must win."""
    replies: dict[int, int] = {}

    def script(request: Request) -> str:
        system, last = request.messages[0].content, request.messages[-1].content
        if "expert Python" not in system:
            return team_script(request)
        if "earlier attempt is wrong" not in last:
            return BAD
        n = replies[0] = replies.get(0, 0) + 1
        return BAD if n == 1 else GOOD

    result = run("sop", script, samples=2, reflect=False)
    assert result.verdict == "passed" and "out.append" in result.code
    assert "reflector" not in result.usage["by_role"]


NO_EXAMPLES = 'def inc(x: int) -> int:\n    """Return x plus one."""\n'


def test_nothing_checked_is_unverified_not_passed() -> None:
    model = Model(ScriptedBackend(lambda r: "```python\ndef inc(x):\n    return 0\n```"))
    result = solve(
        task_from_source(NO_EXAMPLES),
        TeamConfig(workflow="single"),
        store=RunStore(":memory:"),
        sandbox=open_sandbox(),
        models=lambda r: model,
    )
    assert result.verdict == "unverified" and result.confidence == 0.0


def test_without_spec_examples_the_designed_tests_choose_among_candidates() -> None:
    def script(request: Request) -> str:
        if "tester" in request.messages[0].content:
            return "```python\nassert inc(1) == 2\nassert inc(5) == 6\n```"
        if request.temperature > 0:  # the sampled candidates are right, the greedy one is not
            return "```python\ndef inc(x):\n    return x + 1\n```"
        return "```python\ndef inc(x):\n    return 0\n```"

    model = Model(ScriptedBackend(script))
    config = TeamConfig(workflow="sop", settings={"design_tests": "first"})
    result = solve(
        task_from_source(NO_EXAMPLES),
        config,
        store=RunStore(":memory:"),
        sandbox=open_sandbox(),
        models=lambda r: model,
    )
    assert result.verdict == "passed" and "x + 1" in result.code
    assert 0 < result.confidence <= 0.5  # vouched for by designed tests only


def test_tokens_of_a_reviewer_that_never_answers_validly_are_still_counted() -> None:
    def script(request: Request) -> str:
        if "reviewer" in request.messages[0].content:
            return "I think it is fine, probably."
        return GOOD if "expert Python" in request.messages[0].content else team_script(request)

    backend = ScriptedBackend(script)
    meter = Meter()
    model = Model(backend, meter=meter)
    result = solve(
        demo_task(),
        TeamConfig(workflow="sop", settings={"samples": 1, "review": True}),
        store=RunStore(":memory:"),
        sandbox=open_sandbox(),
        models=lambda r: model,
    )
    assert result.verdict == "passed"
    assert result.usage["calls"] == meter.total.calls - 2  # three reviewer tries, one message event
    assert result.usage["tokens"] == meter.total.tokens


def test_an_observer_sees_every_event_as_it_is_recorded() -> None:
    from sparring.store import Event

    seen: list[Event] = []
    model = Model(ScriptedBackend(team_script))
    result = solve(
        demo_task(),
        TeamConfig(workflow="reflexion"),
        store=RunStore(":memory:"),
        sandbox=open_sandbox(),
        models=lambda r: model,
        observer=seen.append,
    )
    kinds = [e.kind for e in seen]
    assert result.verdict == "passed" and kinds.count("message") == result.usage["calls"]
    assert "tool" in kinds and kinds[-1] == "run.finished"


def test_the_run_record_names_the_sandbox_backend() -> None:
    store = RunStore(":memory:")
    result = run("single", store=store)
    assert store.run(result.run_id).config["sandbox"] == open_sandbox().name


def test_sop_stops_at_a_first_round_whose_candidates_agree() -> None:
    result = run("sop", lambda r: TESTS if "tester" in r.messages[0].content else GOOD, samples=2, widen=2)
    assert result.verdict == "passed" and result.usage["by_role"]["coder"]["calls"] == 2


def test_sop_draws_more_candidates_when_the_first_ones_disagree() -> None:
    def script(request: Request) -> str:
        if "tester" in request.messages[0].content:
            return TESTS
        return BAD if request.temperature == 0 else GOOD  # the greedy candidate is the wrong one

    result = run("sop", script, max_rounds=1, samples=2, widen=2, widen_below=1.0)
    assert result.verdict == "passed" and "out.append" in result.code
    # two first, two more after the dispute (one call per choice: the fake samples one at a time)
    assert result.usage["by_role"]["coder"]["calls"] == 4


def test_sop_draws_more_candidates_when_none_passes_the_examples_or_few_agree() -> None:
    def failing_first(request: Request) -> str:
        if "tester" in request.messages[0].content:
            return TESTS
        return GOOD if (request.seed or 0) >= 50 else BAD  # only the widened draws are right

    result = run("sop", failing_first, max_rounds=1, samples=2, widen=2)
    assert result.verdict == "passed" and result.usage["by_role"]["coder"]["calls"] == 4

    def disputed(request: Request) -> str:
        if "tester" in request.messages[0].content:
            return TESTS
        return BAD if request.temperature == 0 else GOOD  # they disagree, and one passes

    # three of four agree on the passing behaviour: enough agreement (widen_below 0.75), no widening
    result = run("sop", disputed, max_rounds=1, samples=4)
    assert result.verdict == "passed" and result.usage["by_role"]["coder"]["calls"] == 4
    # one of two: too little agreement, so eight more are drawn
    result = run("sop", disputed, max_rounds=1, samples=2)
    assert result.verdict == "passed" and result.usage["by_role"]["coder"]["calls"] == 10


def test_sop_does_not_repair_against_designed_tests_alone() -> None:
    """With no spec example and no confirmed attack, failing designed tests end the run after the vote."""
    task = task_from_source('def double(x):\n    """Return twice x."""\n')

    def script(request: Request) -> str:
        if "tester" in request.messages[0].content:
            return "```python\nassert double(2) == 5\n```"  # a wrong expectation
        return "```python\ndef double(x):\n    return 2 * x\n```"

    model = Model(ScriptedBackend(script))
    team = TeamConfig(workflow="sop", settings={"design_tests": "first"})
    result = solve(task, team, store=RunStore(":memory:"), sandbox=open_sandbox(), models=lambda role: model)
    assert result.code.strip().endswith("return 2 * x")
    # four candidates, eight more since none passes the (wrong) designed test, then no repair round
    assert "reflector" not in result.usage["by_role"] and result.usage["by_role"]["coder"]["calls"] == 12


def test_sop_designs_tests_only_when_the_first_candidates_are_in_dispute() -> None:
    def agreeing(request: Request) -> str:
        return TESTS if "tester" in request.messages[0].content else GOOD

    result = run("sop", agreeing)  # the default: design_tests = "disputed"
    assert result.verdict == "passed" and "test_designer" not in result.usage["by_role"]
    assert result.usage["by_role"]["coder"]["calls"] == 4 and result.evidence["tests"] == []

    def disputed(request: Request) -> str:
        if "tester" in request.messages[0].content:
            return TESTS
        return BAD if request.temperature == 0 else GOOD  # the greedy candidate is the wrong one

    store = RunStore(":memory:")
    result = run("sop", disputed, store=store, samples=2, widen=2, max_rounds=1)
    assert result.verdict == "passed" and "out.append" in result.code
    assert result.usage["by_role"]["test_designer"]["calls"] == 1 and len(result.evidence["tests"]) == 1
    # the first two candidates ran again with the designed tests, beside the two widened ones
    runs = [
        e.payload for e in store.events(result.run_id) if e.kind == "tool" and e.payload["tool"] == "tests"
    ]
    assert [(r["candidate"], r["cases"]) for r in runs] == [
        (0, 9),
        (1, 9),
        (0, 10),
        (1, 10),
        (2, 10),
        (3, 10),
    ]
