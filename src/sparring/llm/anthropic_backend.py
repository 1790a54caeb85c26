"""Anthropic models via the official SDK (the optional ``anthropic`` extra).

Structured output goes through a forced tool call whose input schema is the requested schema.
The current SDK no longer takes a sampling temperature (recent models fix it), so it is not sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sparring.errors import ModelUnavailable
from sparring.llm.remote import guard_remote, translate
from sparring.llm.types import Completion, Request, Usage

_FINISH = {"end_turn": "stop", "stop_sequence": "stop", "tool_use": "stop", "max_tokens": "length"}


@dataclass
class AnthropicBackend:
    model: str
    api_key: str | None = None
    base_url: str | None = None
    timeout: float = 600.0
    supports_prefill: bool = True  # a trailing assistant message is continued

    def __post_init__(self) -> None:
        try:
            import anthropic
        except ImportError:
            raise ModelUnavailable(
                "anthropic models need the optional extra: pip install 'sparring[anthropic]'"
            ) from None
        self._sdk = anthropic
        self._client = anthropic.Anthropic(
            api_key=self.api_key, base_url=self.base_url, max_retries=0, timeout=self.timeout
        )

    @property
    def name(self) -> str:
        return f"anthropic:{self.model}"

    def send(self, request: Request) -> Completion:
        guard_remote(self.base_url or "https://api.anthropic.com", self.name)
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        kwargs: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "messages": [m.as_dict() for m in request.messages if m.role != "system"],
        }
        last = kwargs["messages"][-1] if kwargs["messages"] else None
        if last is not None and last["role"] == "assistant":  # the API refuses a prefill ending in space
            last["content"] = last["content"].rstrip()
        if system:
            kwargs["system"] = system
        if request.stop:
            kwargs["stop_sequences"] = list(request.stop)
        if request.json_schema is not None:
            kwargs["tools"] = [
                {"name": "reply", "description": "Give the answer.", "input_schema": request.json_schema}
            ]
            kwargs["tool_choice"] = {"type": "tool", "name": "reply"}
        try:
            response = self._client.messages.create(**kwargs)
        except self._sdk.AnthropicError as exc:
            raise translate(exc, self.name, self.api_key) from None
        parts: list[str] = []
        for block in response.content:
            if block.type == "tool_use":
                parts.append(json.dumps(block.input))
            elif block.type == "text":
                parts.append(block.text)
        return Completion(
            text="".join(parts),
            usage=Usage(response.usage.input_tokens, response.usage.output_tokens),
            finish_reason=_FINISH.get(response.stop_reason or "", "stop"),
            model=self.name,
        )
