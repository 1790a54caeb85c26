"""Contract tests every model adapter passes: plain completion, schema output, usage, truncation, errors.

The OpenAI-compatible adapter talks to llama.cpp's real server (the one xllamacpp runs on loopback)
serving a real GGUF model; Anthropic's wire format is answered by a small loopback HTTP fake.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from sparring.errors import ModelRequestError, ModelUnavailable, TransientModelError, TruncatedOutput
from sparring.llm import Completion, Model, Request, ScriptedBackend, Usage
from sparring.llm.anthropic_backend import AnthropicBackend
from sparring.llm.local import LocalBackend
from sparring.llm.openai_backend import OpenAIBackend
from tests.http_fakes import Answer, anthropic_message, chat_completion, scripted_http


class Pick(BaseModel):
    answer: int


def _scripted(request: Request) -> Completion:
    if request.max_tokens < 4:
        return Completion("Hel", Usage(5, request.max_tokens), finish_reason="length")
    text = '{"answer": 4}' if request.json_schema else "Hello! How can I help?"
    return Completion(text, Usage(5, 6))


def _anthropic(body: dict[str, Any]) -> Answer:
    if body["max_tokens"] < 4:
        msg = anthropic_message("Hel")
        msg["stop_reason"] = "max_tokens"
        return Answer(200, msg)
    if body.get("tools"):
        return Answer(200, anthropic_message(tool_input={"answer": 4}))
    return Answer(200, anthropic_message("Hello!"))


@pytest.fixture(params=["scripted", "local", "openai-compatible", "anthropic"])
def adapter(request: pytest.FixtureRequest, tiny_model_path: Path) -> Iterator[Model]:
    kind = request.param
    if kind == "scripted":
        yield Model(ScriptedBackend(_scripted))
    elif kind == "local":
        yield Model(LocalBackend(tiny_model_path))
    elif kind == "openai-compatible":
        url = LocalBackend(tiny_model_path).server_url()
        yield Model(OpenAIBackend("smollm2", base_url=url, provider="llama.cpp-server"))
    else:
        with scripted_http(_anthropic) as server:
            yield Model(
                AnthropicBackend("claude-test", api_key="sk-ant-test-0000000000", base_url=server.url)
            )


def test_plain_completion(adapter: Model) -> None:
    reply = adapter.complete(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello."}], max_tokens=24
    )
    assert reply.text.strip()
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    assert reply.latency >= 0


def test_schema_output_is_parsed(adapter: Model) -> None:
    reply = adapter.complete(
        "What is 2 + 2? Reply as JSON with an integer field 'answer'.", schema=Pick, max_tokens=64
    )
    assert isinstance(reply.parsed, Pick)


def test_truncation_is_an_error(adapter: Model) -> None:
    with pytest.raises(TruncatedOutput):
        adapter.complete("Write a long story about a robot.", max_tokens=2)


# --- errors that only some adapters can produce -------------------------------------------------


def test_local_missing_or_invalid_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="not found"):
        Model(LocalBackend(tmp_path / "missing.gguf")).complete("hi")
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a model")
    with pytest.raises(ModelUnavailable, match="not a GGUF"):
        Model(LocalBackend(junk)).complete("hi")


def _openai_model(url: str, key: str = "sk-test-secret-123456789") -> tuple[Model, list[float]]:
    slept: list[float] = []
    return Model(OpenAIBackend("m", base_url=url + "/v1", api_key=key), sleep=slept.append), slept


def test_openai_rate_limit_honours_retry_after() -> None:
    answers = [
        Answer(429, {"error": {"message": "slow down"}}, {"retry-after": "3"}),
        Answer(500, {"error": {"message": "boom"}}),
        Answer(200, chat_completion("fine")),
    ]
    with scripted_http(answers) as server:
        model, slept = _openai_model(server.url)
        assert model.complete("hi").text == "fine"
    assert slept[0] == 3.0 and len(slept) == 2


def test_openai_persistent_5xx_gives_up() -> None:
    with scripted_http([Answer(503, {"error": {"message": "down"}})] * 10) as server:
        model, slept = _openai_model(server.url)
        with pytest.raises(TransientModelError):
            model.complete("hi")
    assert len(slept) == model.retry.max_retries


def test_openai_timeout_is_transient() -> None:
    with scripted_http([Answer(200, chat_completion("late"), delay=1.0)] * 6) as server:
        slept: list[float] = []
        backend = OpenAIBackend("m", base_url=server.url + "/v1", timeout=0.2)
        model = Model(backend, sleep=slept.append)
        with pytest.raises(TransientModelError, match="timed out"):
            model.complete("hi")


def test_openai_auth_error_never_shows_the_key() -> None:
    key = "sk-test-secret-123456789"
    with scripted_http([Answer(401, {"error": {"message": f"Incorrect API key provided: {key}"}})]) as server:
        model, _ = _openai_model(server.url, key)
        with pytest.raises(ModelRequestError) as err:
            model.complete("hi")
    assert key not in str(err.value)


def test_unreachable_server_is_a_clear_error() -> None:
    model, _ = _openai_model("http://127.0.0.1:9")
    with pytest.raises(ModelUnavailable, match="cannot reach"):
        model.complete("hi")


def test_remote_requests_are_blocked_in_tests() -> None:
    with pytest.raises(ModelRequestError, match="blocked"):
        Model(OpenAIBackend("gpt-4o-mini", api_key="sk-x")).complete("hi")


def test_anthropic_sends_system_separately_and_forces_the_tool() -> None:
    with scripted_http(_anthropic) as server:
        model = Model(AnthropicBackend("claude-test", api_key="sk-ant-test-0000000000", base_url=server.url))
        model.complete(
            [{"role": "system", "content": "Be exact."}, {"role": "user", "content": "2+2?"}], schema=Pick
        )
        body = server.requests[0]["body"]
    assert body["system"] == "Be exact."
    assert body["tool_choice"] == {"type": "tool", "name": "reply"}
    assert all(m["role"] != "system" for m in body["messages"])


def test_local_backend_answers_concurrent_calls(tiny_model_path: Path) -> None:
    """Concurrent calls are safe and each gets its own answer (the engine has parallel slots)."""
    from concurrent.futures import ThreadPoolExecutor

    from sparring.llm import Message

    backend = LocalBackend(tiny_model_path)
    requests = [Request((Message.user(f"Count to {n}."),), max_tokens=12) for n in range(4)]
    with ThreadPoolExecutor(4) as pool:
        completions = list(pool.map(backend.send, requests))
    assert all(c.text and c.usage.completion_tokens > 0 for c in completions)
