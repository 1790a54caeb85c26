"""Budgets hold under concurrency: a call is claimed before it is sent and settled with its real usage."""

from __future__ import annotations

import threading
import time

import pytest

from sparring.errors import BudgetExceeded, ModelRequestError
from sparring.llm import Budget, Message, Meter, Model, Request, ScriptedBackend
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.tasks import demo_task
from sparring.workflows import TeamConfig, solve


def gated(gate: threading.Event) -> ScriptedBackend:
    return ScriptedBackend(lambda _r: "ok" if gate.wait(10) else "gate never opened")


def run_gated(budget: Budget, callers: int, expect_refused: int) -> tuple[ScriptedBackend, Meter, list[str]]:
    gate = threading.Event()
    backend, meter = gated(gate), Meter(budget)
    refused: list[str] = []

    def call() -> None:
        try:
            Model(backend, meter=meter).complete("x", max_tokens=100)
        except BudgetExceeded as exc:
            refused.append(exc.reason)

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while len(refused) < expect_refused and time.monotonic() < deadline:
        time.sleep(0.005)  # the admitted calls cannot finish before the gate opens
    gate.set()
    for t in threads:
        t.join()
    return backend, meter, refused


def test_parallel_callers_never_start_more_calls_than_the_budget_allows() -> None:
    backend, meter, refused = run_gated(Budget(max_calls=3), callers=8, expect_refused=5)
    assert len(backend.requests) == 3 and meter.total.calls == 3
    assert refused == ["budget:calls"] * 5


def test_parallel_calls_cannot_jointly_pass_the_token_budget() -> None:
    bound = Request(messages=(Message.user("x"),), max_tokens=100).token_bound()  # prompt estimate + limit
    backend, meter, refused = run_gated(Budget(max_tokens=3 * bound), callers=8, expect_refused=5)
    assert len(backend.requests) == 3 and refused == ["budget:tokens"] * 5
    # the real usage is recorded, not the claims; the unused part of each claim is free again
    real = sum(u.tokens for u in meter.by_role().values())
    assert meter.total.tokens == real < 3 * bound
    Model(ScriptedBackend(["again"]), meter=meter).complete("x", max_tokens=100)
    assert meter.total.calls == 4


def test_a_lone_call_may_start_while_any_token_budget_is_left() -> None:
    meter = Meter(Budget(max_tokens=10))
    Model(ScriptedBackend(["a reply much longer than ten tokens, as before"]), meter=meter).complete("x")
    assert meter.total.tokens > 10
    with pytest.raises(BudgetExceeded, match="token budget"):
        Model(ScriptedBackend(["b"]), meter=meter).complete("y")


def test_a_failed_call_gives_its_claim_back() -> None:
    meter = Meter(Budget(max_calls=1))
    with pytest.raises(ModelRequestError):
        Model(ScriptedBackend([ModelRequestError("bad request")]), meter=meter).complete("x")
    assert Model(ScriptedBackend(["ok"]), meter=meter).complete("x").text == "ok"
    assert meter.total.calls == 1


def test_a_wide_coding_round_stops_exactly_at_the_call_budget() -> None:
    backend = ScriptedBackend(lambda r: "```python\nassert merge_intervals([[1, 2]]) == [[1, 2]]\n```")
    model = Model(backend, meter=Meter(Budget(max_calls=3)))
    result = solve(
        demo_task(),
        TeamConfig(workflow="sop", settings={"samples": 8}),
        store=RunStore(":memory:"),
        sandbox=open_sandbox(),
        models=lambda r: model,
    )
    assert result.verdict == "stopped:budget:calls"
    assert len(backend.requests) == 3 and result.usage["calls"] == 3  # the designer and two candidates
