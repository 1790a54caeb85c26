"""Value types that cross the model seam: messages, requests, replies and usage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    """One chat message."""

    role: Role
    content: str

    @staticmethod
    def system(content: str) -> Message:
        return Message("system", content)

    @staticmethod
    def user(content: str) -> Message:
        return Message("user", content)

    @staticmethod
    def assistant(content: str) -> Message:
        return Message("assistant", content)

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


MessageLike = Message | Mapping[str, str]


def to_messages(messages: Sequence[MessageLike] | str) -> list[Message]:
    """Accept a prompt string, ``Message`` objects or ``{"role", "content"}`` dicts."""
    if isinstance(messages, str):
        return [Message.user(messages)]
    out: list[Message] = []
    for m in messages:
        if isinstance(m, Message):
            out.append(m)
        else:
            role = m.get("role", "user")
            if role not in ("system", "user", "assistant"):
                raise ValueError(f"unknown message role {role!r}")
            out.append(Message(role, str(m.get("content", ""))))  # type: ignore[arg-type]
    return out


@dataclass(frozen=True)
class Usage:
    """Token counts of one call (or a sum of calls)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cached_tokens + other.cached_tokens,
        )


@dataclass(frozen=True)
class Request:
    """Everything a backend needs for one call; also the response-cache key."""

    messages: tuple[Message, ...]
    temperature: float = 0.0
    max_tokens: int = 1024
    json_schema: dict[str, Any] | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None
    n: int = 1  # choices sampled from one prompt (the prompt is evaluated, and billed, once)

    def part(self, first: int, n: int) -> Request:
        """The request for ``n`` of its choices from choice ``first`` on (choice i has seed + i)."""
        return replace(self, n=n, seed=None if self.seed is None else self.seed + first)

    def prompt_estimate(self) -> int:
        """Prompt tokens, estimated on the high side (3 characters a token, a few per message)."""
        return sum(len(m.content) // 3 + 4 for m in self.messages)

    def token_bound(self) -> int:
        """The most tokens this request should spend: the prompt estimate plus ``max_tokens``."""
        return self.prompt_estimate() + self.max_tokens * self.n

    def chat_body(self) -> dict[str, Any]:
        """The OpenAI-shaped chat request (no model name): llama.cpp and OpenAI-compatible servers."""
        body: dict[str, Any] = {
            "messages": [m.as_dict() for m in self.messages],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
        }
        if self.stop:
            body["stop"] = list(self.stop)
        if self.seed is not None:
            body["seed"] = self.seed
        if self.n > 1:
            body["n"] = self.n
        if self.json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "reply", "schema": self.json_schema},
            }
        return body

    def cache_key_material(self) -> dict[str, Any]:
        return {
            "messages": [m.as_dict() for m in self.messages],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "json_schema": self.json_schema,
            "stop": list(self.stop),
            "seed": self.seed,
        } | ({"n": self.n} if self.n > 1 else {})


@dataclass(frozen=True)
class Completion:
    """What a backend returns for one request, before validation."""

    text: str
    usage: Usage
    finish_reason: str = "stop"
    model: str = ""
    more: tuple[str, ...] = ()  # the other choices of a request with ``n > 1``, in order

    @property
    def texts(self) -> tuple[str, ...]:
        return (self.text, *self.more)


@dataclass(frozen=True)
class Reply:
    """The answer to ``Model.complete``: text, parsed object, usage, latency and cost."""

    text: str
    usage: Usage
    latency: float
    model: str
    parsed: BaseModel | None = None
    cost: float | None = None
    cached: bool = False
    attempts: int = 1
    finish_reason: str = "stop"  # "length" only when the caller allowed truncated replies
    choices: tuple[str, ...] = ()  # every choice of a request with ``n > 1`` (the first is ``text``)
    requests: int = 1  # calls it took: a backend that cannot sample several choices answers each alone
    extra: dict[str, Any] = field(default_factory=dict)
