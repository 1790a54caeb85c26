"""The shared machinery around every backend: cache, retries, schema repair, truncation, meter, budgets."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

from sparring.errors import (
    BudgetExceeded,
    MalformedOutput,
    ModelRequestError,
    PromptCutOff,
    TransientModelError,
    TruncatedOutput,
)
from sparring.llm import Budget, Completion, Meter, Model, ResponseCache, ScriptedBackend, Usage
from sparring.llm.model import extract_json


class Verdict(BaseModel):
    ok: bool
    score: int


def model(replies: list[object], **kw: object) -> tuple[Model, list[float]]:
    slept: list[float] = []
    m = Model(ScriptedBackend(replies), sleep=slept.append, **kw)  # type: ignore[arg-type]
    return m, slept


def test_plain_completion_reports_usage_and_latency() -> None:
    m, _ = model(["hello there"])
    reply = m.complete("hi")
    assert reply.text == "hello there"
    assert reply.usage.completion_tokens > 0 and reply.usage.prompt_tokens > 0
    assert reply.latency >= 0 and reply.model == "scripted"


def test_schema_reply_is_validated_and_parsed_even_inside_a_fence() -> None:
    m, _ = model(['Sure:\n```json\n{"ok": true, "score": 3}\n```'])
    reply = m.complete("judge", schema=Verdict)
    assert reply.parsed == Verdict(ok=True, score=3)


def test_malformed_schema_output_is_repaired_then_accepted() -> None:
    backend = ScriptedBackend(['{"ok": "maybe"}', '{"ok": false, "score": 1}'])
    reply = Model(backend).complete("judge", schema=Verdict)
    assert reply.parsed == Verdict(ok=False, score=1)
    # the repair request shows the model its bad answer and what was wrong
    repair = backend.requests[1].messages
    assert repair[-2].content == '{"ok": "maybe"}' and "score" in repair[-1].content


def test_malformed_output_gives_up_with_a_typed_error() -> None:
    m, _ = model(["nope", "still no", "never"], repair_retries=2)
    with pytest.raises(MalformedOutput) as err:
        m.complete("judge", schema=Verdict)
    assert err.value.last_text == "never"


def test_truncated_output_is_its_own_error() -> None:
    m, _ = model([Completion("def f(", Usage(3, 5), finish_reason="length")])
    with pytest.raises(TruncatedOutput) as err:
        m.complete("write", max_tokens=5)
    assert err.value.partial == "def f("


def test_transient_errors_are_retried_with_retry_after_honoured() -> None:
    m, slept = model([TransientModelError("429", retry_after=7.0), TransientModelError("503"), "done"])
    assert m.complete("x").text == "done"
    assert slept[0] == 7.0 and len(slept) == 2


def test_retries_are_bounded() -> None:
    m, slept = model([TransientModelError("503")] * 10)
    with pytest.raises(TransientModelError):
        m.complete("x")
    assert len(slept) == 4


def test_request_errors_are_not_retried() -> None:
    m, slept = model([ModelRequestError("bad request"), "never reached"])
    with pytest.raises(ModelRequestError):
        m.complete("x")
    assert slept == []


def test_cache_makes_a_repeated_deterministic_call_free(tmp_path: object) -> None:
    cache = ResponseCache(":memory:")
    backend = ScriptedBackend(["first", "second"])
    m = Model(backend, cache=cache)
    assert m.complete("same", temperature=0).text == "first"
    again = m.complete("same", temperature=0)
    assert again.text == "first" and again.cached
    assert len(backend.requests) == 1
    # sampling without a seed is never cached: k samples must differ
    assert m.complete("same", temperature=0.8).text == "second"


def test_meter_counts_per_role_and_budget_stops_with_a_named_reason() -> None:
    meter = Meter(Budget(max_calls=2))
    m, _ = model(["a", "b", "c"], meter=meter)
    m.complete("x", role="coder")
    m.complete("y", role="reviewer")
    assert set(meter.by_role()) == {"coder", "reviewer"} and meter.total.calls == 2
    with pytest.raises(BudgetExceeded) as err:
        m.complete("z", role="coder")
    assert err.value.reason == "budget:calls"


def test_token_budget() -> None:
    meter = Meter(Budget(max_tokens=1))
    m, _ = model(["a long enough answer", "b"], meter=meter)
    m.complete("x")
    with pytest.raises(BudgetExceeded) as err:
        m.complete("y")
    assert err.value.reason == "budget:tokens"


def test_extract_json_tolerates_prose() -> None:
    assert extract_json('Here you go: {"a": {"b": 1}} hope it helps') == '{"a": {"b": 1}}'
    assert extract_json('Sure:\n```json\n{"a": 1}\n```\nDone {sic}') == '{"a": 1}'


def test_extract_json_keeps_an_object_whose_strings_hold_fenced_code() -> None:
    # a debater's reply: the fence inside the "code" string is not prose around the object
    reply = '{\n "agree": [],\n "code": "```python\\ndef f():\\n    return 1\\n```",\n "confidence": 0.9\n}'
    assert json.loads(extract_json(reply))["confidence"] == 0.9


def test_usage_of_repair_attempts_is_summed_and_travels_with_the_error() -> None:
    backend = ScriptedBackend(['{"ok": "maybe"}', '{"ok": false, "score": 1}'])
    reply = Model(backend).complete("judge", schema=Verdict)
    first = Model(ScriptedBackend(['{"ok": "maybe"}'])).complete("judge").usage
    assert reply.usage.completion_tokens > first.completion_tokens  # both tries counted
    m, _ = model(["bad", "worse", "worst"], repair_retries=2)
    with pytest.raises(MalformedOutput) as err:
        m.complete("judge", schema=Verdict)
    assert err.value.usage is not None and err.value.usage.completion_tokens >= 3


def test_a_trailing_assistant_message_is_continued_where_the_backend_can() -> None:
    backend = ScriptedBackend(["    return x + 1\n```"], supports_prefill=True)
    reply = Model(backend).complete(
        [{"role": "user", "content": "f?"}, {"role": "assistant", "content": "def f(x):\n"}]
    )
    assert backend.requests[0].messages[-1].role == "assistant"
    assert reply.text == "def f(x):\n    return x + 1\n```"  # the reply is whole: start + continuation


def test_a_trailing_assistant_message_is_left_out_where_the_backend_cannot() -> None:
    backend = ScriptedBackend(["def f(x):\n    return x + 1"])
    reply = Model(backend).complete(
        [{"role": "user", "content": "f?"}, {"role": "assistant", "content": "def f(x):\n"}]
    )
    assert [m.role for m in backend.requests[0].messages] == ["user"]
    assert reply.text == "def f(x):\n    return x + 1"


def test_a_prompt_the_server_cut_to_its_context_is_an_error_and_not_cached() -> None:
    long = "def f(x):\n    return x\n" * 1000  # 23,000 characters: at least ~5,000 tokens
    cut = ScriptedBackend(
        lambda r: Completion("garbage", Usage(2048 if len(r.messages[0].content) > 8000 else 0, 3))
    )
    model = Model(cut, cache=ResponseCache(":memory:"))
    for _ in range(2):  # the same request again (a larger context by now) is sent again
        with pytest.raises(PromptCutOff, match="read 2048 prompt tokens of a 23000-character prompt") as info:
            model.complete(long)
        assert info.value.usage.prompt_tokens == 2048  # what the call cost is still counted
    assert len(cut.requests) == 2
    whole = Model(ScriptedBackend(lambda r: Completion("ok", Usage(5800, 1))))
    assert whole.complete(long).text == "ok"  # ~4 characters a token: read whole
    assert model.complete("short").text == "garbage"  # usage unreported (0): not judged


def test_a_reply_from_a_reused_prompt_cache_is_not_judged_cut() -> None:
    long = "def f(x):\n    return x\n" * 1000
    reused = Model(ScriptedBackend(lambda r: Completion("ok", Usage(300, 1, cached_tokens=5500))))
    assert reused.complete(long).text == "ok"  # 300 evaluated anew, the rest from the server's cache
