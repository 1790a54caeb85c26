"""The graph runner end to end on a real SQLite store: loops, guards, budget, crashes, kill -9 and resume.

Run as a script (``python tests/test_graph.py STORE MARKER``) this file is the child process of the
kill-and-resume test.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from sparring.errors import BudgetExceeded, ConfigError
from sparring.graph import END, Graph, RunContext
from sparring.guards import Limits
from sparring.store import Checkpoint, RunStore, list_runs


class Work(BaseModel):
    plan: str = ""
    code: str = ""
    round: int = 0
    passed: bool = False


@dataclass(frozen=True)
class _Usage:
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class _Reply:
    text: str
    usage: _Usage
    latency: float
    model: str


class EchoModel:
    """Replies ``code for: <prompt>``; stands in for sparring.llm's scripted model (same duck type)."""

    def complete(
        self, messages: Any, *, schema: Any = None, role: str | None = None, **options: Any
    ) -> _Reply:
        return _Reply(f"code for: {messages}", _Usage(len(str(messages)), 3), 0.0, "echo")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RunStore]:
    with RunStore(tmp_path / "runs.db") as store:
        yield store


def kinds(store: RunStore, run_id: str) -> list[tuple[str, str | None]]:
    return [(e.kind, e.node) for e in store.events(run_id)]


def coding_loop(code_of: Any = lambda s: f"v{s.round}", **graph: Any) -> Graph[Work]:
    """code → test ↺ until the tests pass in round 3; ``code_of`` decides what the coder writes."""

    def code(s: Work, ctx: RunContext) -> dict[str, Any]:
        return {"code": code_of(s), "round": s.round + 1}

    def test(s: Work, ctx: RunContext) -> dict[str, Any]:
        ctx.record("tool", {"argv": ["pytest", "-q"], "verdict": "ok", "passed": s.round >= 3})
        return {"passed": s.round >= 3}

    def after_test(s: Work) -> tuple[str, str]:
        return (END, "tests pass") if s.passed else ("code", "tests fail")

    return Graph(
        name="loop", state=Work, start="code", nodes={"code": code, "test": test},
        edges={"code": "test", "test": after_test}, **graph,
    )  # fmt: skip


def test_a_cycle_runs_until_its_edge_says_end(store: RunStore) -> None:
    result = coding_loop().run(Work(), store=store, task="count to three")
    assert (result.status, result.reason, result.steps, result.state.round) == ("passed", "passed", 6, 3)
    edges = [e.payload for e in store.events(result.run_id) if e.kind == "edge"]
    assert [(e["to"], e["reason"]) for e in edges] == [
        ("test", "fixed edge"), ("code", "tests fail"), ("test", "fixed edge"),
        ("code", "tests fail"), ("test", "fixed edge"), (END, "tests pass"),
    ]  # fmt: skip
    assert kinds(store, result.run_id)[-1] == ("run.finished", "test")
    assert store.run(result.run_id).result == {
        "status": "passed", "reason": "passed", "steps": 6, "state": result.state.model_dump(),
    }  # fmt: skip
    assert store.last_checkpoint(result.run_id).next_node == END


def test_a_verdict_decides_passed_or_failed(store: RunStore) -> None:
    result = coding_loop(verdict=lambda s: s.code == "never").run(Work(), store=store)
    assert (result.status, result.reason) == ("failed", "failed")


def test_nodes_may_return_a_whole_state_or_nothing(store: RunStore) -> None:
    def whole(s: Work, ctx: RunContext) -> Work:
        return s.model_copy(update={"plan": "p"})

    def nothing(s: Work, ctx: RunContext) -> None:
        return None

    graph = Graph(
        name="g", state=Work, start="a", nodes={"a": whole, "b": nothing}, edges={"a": "b", "b": END}
    )
    assert graph.run(Work(), store=store).state.plan == "p"


def test_max_steps_stops_an_endless_cycle(store: RunStore) -> None:
    forever = coding_loop(code_of=lambda s: f"v{s.round}", rounds=None)
    graph = Graph(name="forever", state=Work, start="code", nodes=forever.nodes,
                  edges={"code": "test", "test": lambda s: "code"})  # fmt: skip
    result = graph.run(Work(), store=store, limits=Limits(max_steps=5))
    assert (result.status, result.reason, result.steps) == ("stopped", "stopped:max_steps", 5)
    stop = [e for e in store.events(result.run_id) if e.kind == "stop"]
    assert [e.payload["reason"] for e in stop] == ["stopped:max_steps"]
    assert list_runs(store)[0].reason == "stopped:max_steps"


def test_oscillating_code_is_stopped(store: RunStore) -> None:
    flip = coding_loop(code_of=lambda s: ["def f(): return 1", "def f(): return 2"][s.round % 2],
                       watch={"code": lambda s: s.code})  # fmt: skip
    result = flip.run(Work(), store=store, limits=Limits(max_steps=50))
    assert result.reason == "stopped:oscillation"
    assert result.state.round == 3  # A, B, A


def test_unchanged_code_is_no_progress(store: RunStore) -> None:
    stuck = coding_loop(
        code_of=lambda s: "def f():\n    return 1" + " " * s.round, watch={"code": lambda s: s.code}
    )
    result = stuck.run(Work(), store=store)
    assert result.reason == "stopped:no_progress"
    assert result.state.round == 2


def test_round_limit(store: RunStore) -> None:
    result = coding_loop(rounds=lambda s: s.round).run(Work(), store=store, limits=Limits(max_rounds=1))
    assert (result.reason, result.state.round) == ("stopped:max_rounds", 2)


def test_wall_clock_uses_the_injected_clock(store: RunStore) -> None:
    now = [0.0]

    def slow(s: Work, ctx: RunContext) -> dict[str, Any]:
        now[0] += 4.0
        return {"round": s.round + 1}

    graph = Graph(name="slow", state=Work, start="a", nodes={"a": slow}, edges={"a": "a"})
    result = graph.run(Work(), store=store, limits=Limits(wall_clock_s=10), clock=lambda: now[0])
    assert (result.reason, result.steps) == ("stopped:wall_clock", 3)


def test_cancellation_stops_after_the_current_node(store: RunStore) -> None:
    cancel = threading.Event()

    def step(s: Work, ctx: RunContext) -> dict[str, Any]:
        if s.round == 1:
            cancel.set()
        return {"round": s.round + 1}

    graph = Graph(name="c", state=Work, start="a", nodes={"a": step}, edges={"a": "a"})
    result = graph.run(Work(), store=store, cancel=cancel)
    assert (result.reason, result.steps) == ("stopped:cancelled", 2)


def test_budget_exceeded_stops_the_run_and_keeps_what_the_node_recorded(store: RunStore) -> None:
    def spend(s: Work, ctx: RunContext) -> dict[str, Any]:
        ctx.record("message", {"n": s.round})
        if s.round == 2:
            raise BudgetExceeded("token budget of 100 used up", reason="budget:tokens")
        return {"round": s.round + 1}

    graph = Graph(name="b", state=Work, start="a", nodes={"a": spend}, edges={"a": "a"})
    result = graph.run(Work(), store=store)
    assert (result.status, result.reason, result.steps, result.state.round) == (
        "stopped",
        "stopped:budget:tokens",
        2,
        2,
    )
    events = store.events(result.run_id)
    assert [e.payload["n"] for e in events if e.kind == "message"] == [0, 1, 2]
    assert [e.kind for e in events][-2:] == ["stop", "run.finished"]
    assert events[-2].payload["detail"] == "token budget of 100 used up"


def test_a_crash_is_recorded_and_the_run_can_be_resumed_after_a_fix(store: RunStore) -> None:
    broken = [True]

    def fragile(s: Work, ctx: RunContext) -> dict[str, Any]:
        if broken[0]:
            raise ValueError("parser exploded")
        return {"passed": True}

    graph = coding_loop()
    graph = Graph(
        name="loop", state=Work, start="code", nodes={**graph.nodes, "test": fragile}, edges=graph.edges
    )
    with pytest.raises(ValueError, match="parser exploded"):
        graph.run(Work(), store=store)
    run = store.runs()[0]
    assert run.status == "crashed" and run.result is not None and run.result["reason"] == "crashed:ValueError"
    crash = next(e for e in store.events(run.run_id) if e.kind == "crash")
    assert (crash.node, crash.payload["type"], crash.payload["message"]) == (
        "test",
        "ValueError",
        "parser exploded",
    )
    assert "Traceback" in crash.payload["traceback"]

    broken[0] = False
    result = graph.resume(run.run_id, store=store)
    assert (result.status, result.steps) == ("passed", 2)
    assert [k for k, _ in kinds(store, run.run_id)].count("run.resumed") == 1


def test_resuming_a_finished_run_returns_its_result(store: RunStore) -> None:
    graph = coding_loop()
    done = graph.run(Work(), store=store)
    again = graph.resume(done.run_id, store=store)
    assert (again.status, again.reason, again.steps, again.state) == (done.status, done.reason, 6, done.state)
    assert len(store.events(done.run_id)) == len(store.events(again.run_id))


def test_a_run_still_owned_by_a_live_process_is_not_resumed(store: RunStore) -> None:
    run_id = store.create_run("loop", "t", {"limits": Limits().as_dict()}, Checkpoint(0, "code", {}, {}, 0.0))
    with sqlite3.connect(store.path) as db:  # hand the run to another live process: our parent
        db.execute("UPDATE runs SET pid = ? WHERE run_id = ?", (os.getppid(), run_id))
    with pytest.raises(ConfigError, match="still running"):
        coding_loop().resume(run_id, store=store)


def test_resume_checks_the_workflow(store: RunStore) -> None:
    done = coding_loop().run(Work(), store=store)
    other = Graph(name="other", state=Work, start="a", nodes={"a": lambda s, c: None}, edges={"a": END})
    with pytest.raises(ConfigError, match="belongs to workflow 'loop'"):
        other.resume(done.run_id, store=store)


def test_model_calls_are_recorded_as_messages(store: RunStore) -> None:
    def ask(s: Work, ctx: RunContext) -> dict[str, Any]:
        return {"code": ctx.complete("coder", "write f").text}

    graph = Graph(name="m", state=Work, start="ask", nodes={"ask": ask}, edges={"ask": END})
    result = graph.run(Work(), store=store, models={"coder": EchoModel()})
    [message] = [e for e in store.events(result.run_id) if e.kind == "message"]
    assert message.node == "ask" and message.step == 1
    assert message.payload == {
        "role": "coder", "model": "echo", "prompt": "write f", "reply": "code for: write f",
        "tokens": {"prompt": 7, "completion": 3, "total": 10}, "latency": 0.0, "finish_reason": "stop",
    }  # fmt: skip


def test_a_role_without_a_model_crashes_the_run_with_a_config_error(store: RunStore) -> None:
    graph = Graph(name="m", state=Work, start="a", nodes={"a": lambda s, ctx: ctx.complete("judge", "hi")},
                  edges={"a": END})  # fmt: skip
    with pytest.raises(ConfigError, match="no model configured for role 'judge'"):
        graph.run(Work(), store=store)


def test_parallel_agents_record_into_one_node_transaction(store: RunStore) -> None:
    def panel(s: Work, ctx: RunContext) -> None:
        def agent(i: int) -> None:
            for j in range(25):
                ctx.record("message", {"agent": i, "j": j})

        threads = [threading.Thread(target=agent, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    graph = Graph(name="p", state=Work, start="panel", nodes={"panel": panel}, edges={"panel": END})
    result = graph.run(Work(), store=store)
    messages = [e for e in store.events(result.run_id) if e.kind == "message"]
    assert len(messages) == 200 and {e.step for e in messages} == {1}


def test_a_graph_is_checked_when_built() -> None:
    with pytest.raises(ConfigError, match="unknown nodes"):
        Graph(name="g", state=Work, start="a", nodes={"a": lambda s, c: None}, edges={"a": "b"})
    with pytest.raises(ConfigError, match="no outgoing edge"):
        Graph(
            name="g",
            state=Work,
            start="a",
            nodes={"a": lambda s, c: None, "b": lambda s, c: None},
            edges={"a": END},
        )


def test_an_update_of_an_unknown_field_crashes_the_run(store: RunStore) -> None:
    graph = Graph(name="g", state=Work, start="a", nodes={"a": lambda s, c: {"cdoe": "x"}}, edges={"a": END})
    with pytest.raises(ConfigError, match="unknown state fields"):
        graph.run(Work(), store=store)
    assert store.runs()[0].status == "crashed"


def test_the_example_in_the_engine_docs_runs() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "engine.md").read_text(encoding="utf-8")
    example = doc.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(example, "docs/engine.md", "exec"), {"__name__": "engine_doc"})


# -- kill -9 and resume ------------------------------------------------------------------------------


def killable(marker: Path) -> Graph[Work]:
    """plan → code → run ↺ code; the first ``run`` (the third node) kills its own process."""

    def plan(s: Work, ctx: RunContext) -> dict[str, Any]:
        ctx.record("note", {"plan": "three revisions"})
        return {"plan": "three revisions"}

    def code(s: Work, ctx: RunContext) -> dict[str, Any]:
        return {"code": ctx.complete("coder", f"revision {s.round + 1}").text, "round": s.round + 1}

    def run(s: Work, ctx: RunContext) -> dict[str, Any]:
        ctx.record("tool", {"argv": ["pytest"], "round": s.round})  # buffered, so lost with the process
        if not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return {"passed": s.round >= 3}

    def after_run(s: Work) -> tuple[str, str]:
        return (END, "green") if s.passed else ("code", "red")

    return Graph(
        name="killable", state=Work, start="plan", nodes={"plan": plan, "code": code, "run": run},
        edges={"plan": "code", "code": "run", "run": after_run}, watch={"code": lambda s: s.code},
    )  # fmt: skip


def comparable(store: RunStore, run_id: str) -> list[tuple[str, str | None, int, dict[str, Any]]]:
    return [(e.kind, e.node, e.step, e.payload) for e in store.events(run_id) if e.kind != "run.resumed"]


def test_a_killed_run_resumes_with_exactly_the_events_of_an_uninterrupted_run(tmp_path: Path) -> None:
    marker, path = tmp_path / "killed-once", tmp_path / "runs.db"
    child = subprocess.run([sys.executable, __file__, str(path), str(marker)], capture_output=True, text=True)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert marker.exists()

    with RunStore(path) as store:
        [summary] = list_runs(store)
        assert summary.status == "crashed"  # its process is gone
        assert store.last_checkpoint(summary.run_id).step == 2  # plan and code finished; run was in flight
        assert [k for k, _ in kinds(store, summary.run_id)] == [
            "run.created",
            "note",
            "edge",
            "message",
            "edge",
        ]

        resumed = killable(marker).resume(summary.run_id, store=store, models={"coder": EchoModel()})
        assert (resumed.status, resumed.steps) == ("passed", 7)  # plan + 3 × (code, run)
        assert [e.payload for e in store.events(summary.run_id) if e.kind == "run.resumed"] == [
            {"from_step": 2, "node": "run"}
        ]

        uninterrupted = killable(marker).run(Work(), store=store, task="count", models={"coder": EchoModel()})
        assert uninterrupted.state == resumed.state
        assert comparable(store, summary.run_id) == comparable(store, uninterrupted.run_id)


if __name__ == "__main__":
    with RunStore(sys.argv[1]) as child_store:
        killable(Path(sys.argv[2])).run(
            Work(), store=child_store, task="count", models={"coder": EchoModel()}
        )
