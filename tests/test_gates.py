"""Approval gates: a run pauses durably where a person decides, and their decision is evidence."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sparring.cli import main
from sparring.errors import ConfigError, GateError, StaleRun
from sparring.graph import ApprovalRequest, Decision
from sparring.lessons import Lessons
from sparring.llm import Model, Request, ScriptedBackend
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.tasks import demo_task
from sparring.workflows import Result, TeamConfig, resume, solve
from tests.test_workflows import GOOD

# Wrong: intervals that touch merge (the docstring says so); a person corrects it.
DESIGNED = "```python\nassert merge_intervals([[2, 3], [1, 2]]) == [[1, 2], [2, 3]]\n```"
CORRECTED = "# the person's version\nassert merge_intervals([[2, 3], [1, 2]]) == [[1, 3]]\n"
UNSORTED = GOOD.replace("for s, e in sorted(intervals)", "for s, e in intervals")


def script(request: Request) -> str:
    """A coder that forgets to sort (the spec's examples are sorted) until shown a failing test."""
    system, last = request.messages[0].content, request.messages[-1].content
    if "tester" in system:
        return DESIGNED
    if "distil" in system:
        return "Sort intervals by start before merging them."
    if "debugging" in system:
        return "The input is not sorted first; sort it by start before merging."
    return GOOD if "earlier attempt is wrong" in last else UNSORTED


def start(store: RunStore, lessons: bool = False, **kwargs: object) -> Result:
    model = Model(ScriptedBackend(script))
    config = TeamConfig(workflow="sop", settings={"samples": 1, "widen": 0, "lessons": lessons})
    return solve(
        demo_task(), config, store=store, sandbox=open_sandbox(), models=lambda role: model, **kwargs
    )  # type: ignore[arg-type]


def go_on(store: RunStore, run_id: str, **kwargs: object) -> Result:
    model = Model(ScriptedBackend(script))
    return resume(run_id, store=store, sandbox=open_sandbox(), models=lambda role: model, **kwargs)  # type: ignore[arg-type]


def test_without_a_gate_the_wrong_designed_test_only_ranks_and_the_unsorted_code_ships() -> None:
    result = start(RunStore(":memory:"))
    assert result.verdict == "passed" and "sorted(" not in result.code  # the contrast the gate exists for


def test_a_paused_run_survives_the_process_and_a_persons_edit_drives_repair(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    with RunStore(path) as store:
        paused = start(store, approve=["tests"])
    assert paused.verdict == "paused" and paused.pending is not None and paused.pending["gate"] == "tests"
    assert "assert merge_intervals([[2, 3], [1, 2]]) == [[1, 2], [2, 3]]" in paused.pending["content"]
    assert "coder" not in paused.usage["by_role"]  # sop designs the tests first when a person approves them

    with RunStore(path) as store:  # another process, later
        assert store.run(paused.run_id).status == "paused"
        with pytest.raises(ConfigError, match="waits for approval of its tests"):
            go_on(store, paused.run_id)
        with pytest.raises(GateError, match="not a test sparring can run: 'print"):
            go_on(store, paused.run_id, decision=Decision("edit", "print(1)\n"))
        assert store.run(paused.run_id).status == "paused"  # an unusable edit loses nothing
        result = go_on(store, paused.run_id, decision=Decision("edit", CORRECTED))
        kinds = [e.kind for e in store.events(paused.run_id)]
    assert result.verdict == "passed" and "sorted(" in result.code
    assert result.evidence["tests"] == ["assert merge_intervals([[2, 3], [1, 2]]) == [[1, 3]]"]
    assert result.usage["by_role"]["coder"]["calls"] == 2  # the person's test is trusted: it drove a repair
    assert kinds.count("approval.requested") == 1 and kinds.count("approval") == 1
    assert kinds.index("approval.requested") < kinds.index("run.resumed") < kinds.index("approval")


def test_an_approver_is_asked_again_while_its_edit_cannot_be_used() -> None:
    asked: list[ApprovalRequest] = []

    def person(request: ApprovalRequest) -> Decision:
        asked.append(request)
        return Decision("edit", "merge them all\n" if len(asked) == 1 else CORRECTED)

    store = RunStore(":memory:")
    result = start(store, approve=["tests"], approver=person)
    assert result.verdict == "passed" and "sorted(" in result.code
    assert asked[0].error is None and "merge them all" in (asked[1].error or "")
    assert [e.payload["action"] for e in store.events(result.run_id) if e.kind == "approval"] == ["edit"]


def test_an_approver_that_raises_leaves_the_run_paused_not_crashed() -> None:
    def gone(request: ApprovalRequest) -> Decision:
        raise RuntimeError("Aborted")  # what Ctrl-C or EOF at a prompt raises

    store = RunStore(":memory:")
    with pytest.raises(RuntimeError, match="Aborted"):
        start(store, approve=["tests"], approver=gone)
    (run,) = store.runs()
    assert run.status == "paused" and not [e for e in store.events(run.run_id) if e.kind == "crash"]
    assert go_on(store, run.run_id, decision=Decision("edit", CORRECTED)).verdict == "passed"


def test_a_gate_decided_elsewhere_meanwhile_is_not_decided_twice(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"

    def slow_person(request: ApprovalRequest) -> Decision:
        with RunStore(path) as other:  # another terminal decides first, while this one still thinks
            go_on(other, request.run_id, decision=Decision("edit", CORRECTED))
        return Decision("approve")

    with RunStore(path) as store:
        with pytest.raises(StaleRun, match=re.escape("no longer paused (it is passed)")):
            start(store, approve=["tests"], approver=slow_person)
        (run,) = store.runs()
        kinds = [e.kind for e in store.events(run.run_id)]
    assert run.status == "passed" and kinds.count("approval") == 1 and kinds.count("run.finished") == 1


def test_a_run_resumed_from_a_gate_still_learns_its_lesson(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.db")
    paused = start(store, lessons=True, approve=["tests"])
    assert Lessons(store).all() == []
    result = go_on(store, paused.run_id, decision=Decision("edit", CORRECTED))
    assert result.verdict == "passed" and [n.run_id for n in Lessons(store).all()] == [paused.run_id]


def test_a_persons_tests_may_not_contradict_each_other() -> None:
    store = RunStore(":memory:")
    paused = start(store, approve=["tests"])
    twice = CORRECTED + "assert merge_intervals([[2, 3], [1, 2]]) == [[2, 3]]\n"
    with pytest.raises(GateError, match="two expectations for merge_intervals"):
        go_on(store, paused.run_id, decision=Decision("edit", twice))


def test_a_rejection_stops_the_run_with_its_reason() -> None:
    store = RunStore(":memory:")
    paused = start(store, approve=["tests"])
    result = go_on(store, paused.run_id, decision=Decision("reject", "tests are wrong"))
    assert result.verdict == "stopped:rejected"
    stop = next(e for e in store.events(paused.run_id) if e.kind == "stop")
    assert stop.payload["detail"] == "tests rejected: tests are wrong"


def test_approving_designed_tests_makes_them_trusted() -> None:
    store = RunStore(":memory:")
    paused = start(store, approve=["tests"])
    result = go_on(store, paused.run_id, decision=Decision("approve"))
    # the vouched-for (wrong) test now binds: no code that merges touching intervals can pass it
    assert result.verdict == "failed"
    assert "merge_intervals([[2, 3], [1, 2]])" in result.evidence["feedback"]


def test_a_gate_the_team_does_not_have_is_a_clear_error() -> None:
    with pytest.raises(
        ConfigError, match=re.escape("nothing to approve as plan in workflow 'sop' (its gates: tests)")
    ):
        start(RunStore(":memory:"), approve=["plan"])


def test_an_edited_plan_is_what_the_coder_sees() -> None:
    plan = json.dumps(
        {
            "approach": "sweep",
            "subtasks": [{"name": "sweep", "interface": "sweep(x)", "done_when": "ok", "large": False}],
        }
    )
    backend = ScriptedBackend(lambda r: plan if "plans before coding" in r.messages[0].content else GOOD)
    model = Model(backend)
    config = TeamConfig(workflow="sop", settings={"samples": 1, "widen": 0, "plan": True})
    seen: list[str] = []

    def person(request: ApprovalRequest) -> Decision:
        seen.append(request.content)
        return Decision("edit", request.content + "2. Sort by start first: the input may be unsorted.\n")

    result = solve(
        demo_task(),
        config,
        store=RunStore(":memory:"),
        sandbox=open_sandbox(),
        models=lambda r: model,
        approve=["plan"],
        approver=person,
    )
    assert result.verdict == "passed" and "1. sweep" in seen[0]
    coder = [
        r.messages[-1].content for r in backend.requests if "plans before coding" not in r.messages[0].content
    ]
    assert all("2. Sort by start first" in prompt for prompt in coder) and coder


ADD = 'def add(a, b):\n    """Add a and b.\n    >>> add(1, 2)\n    3\n    """\n'
REPLY = "scripted:```python\ndef add(a, b):\n    return a + b\n\nassert add(2, 2) == 4\n```"


def test_the_cli_pauses_prints_how_to_go_on_and_resumes_with_an_edit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "runs.db")
    code = main(["solve", ADD, "--model", REPLY, "--approve", "tests", "--store", db])
    captured = capsys.readouterr()
    assert code == 3 and "assert add(2, 2) == 4" in captured.out and "paused: the tests" in captured.err
    run_id = captured.err.split("· run ")[1].split()[0]
    assert f"sparring runs resume {run_id} --store {db} --approve" in captured.err

    assert main(["runs", "list", "--status", "paused", "--json", "--store", db]) == 0
    assert [r["run_id"] for r in json.loads(capsys.readouterr().out)] == [run_id]
    assert main(["runs", "list", "--status", "waiting", "--store", db]) == 1
    assert "--status takes one of running, paused" in capsys.readouterr().err
    assert main(["runs", "show", run_id, "--pending", "--store", db]) == 0
    content = capsys.readouterr().out
    assert content.startswith("# Tests for add") and "assert add(2, 2) == 4" in content
    assert main(["runs", "resume", run_id, "--store", db, "--no-input"]) == 1
    assert "resume it with --approve, --edit FILE or --reject REASON" in capsys.readouterr().err
    assert main(["runs", "resume", run_id, "--approve", "--reject", "x", "--store", db]) == 1
    assert "give one decision" in capsys.readouterr().err

    edited = tmp_path / "tests.txt"
    edited.write_text(content + "assert add(-1, 1) == 0\n")
    assert main(["runs", "resume", run_id, "--edit", str(edited), "--store", db, "--json"]) == 0
    out = capsys.readouterr().out
    assert '"verdict": "passed"' in out and "assert add(-1, 1) == 0" in out
    assert main(["runs", "resume", run_id, "--approve", "--store", db]) == 1
    assert "is not waiting for approval (it is passed)" in capsys.readouterr().err


def test_bad_approve_values_are_one_line_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    assert main(["solve", ADD, "--model", REPLY, "--approve", "code", "--store", db]) == 1
    assert "--approve takes plan, tests or all, not code" in capsys.readouterr().err
    assert main(["solve", ADD, "-w", "single", "--model", REPLY, "--approve", "tests", "--store", db]) == 1
    assert "nothing to approve as tests in workflow 'single'" in capsys.readouterr().err
    assert main(["solve", ADD, "-w", "single", "--model", REPLY, "--approve", "all", "--store", db]) == 1
    assert "--approve all: workflow 'single' has no step to approve" in capsys.readouterr().err
