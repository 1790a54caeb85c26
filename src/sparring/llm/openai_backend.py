"""OpenAI and any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, LM Studio) via the openai SDK."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import openai

from sparring.llm.remote import guard_remote, translate
from sparring.llm.types import Completion, Request, Usage


@dataclass
class OpenAIBackend:
    model: str
    base_url: str | None = None
    api_key: str | None = None
    timeout: float = 600.0
    provider: str = "openai"
    # OpenAI and vLLM sample ``n`` choices of one prompt; a server that returns fewer is topped up.
    supports_n: bool = True

    def __post_init__(self) -> None:
        # Retries live in Model, once for every backend; the SDK's own are off.
        self._client = openai.OpenAI(
            api_key=self.api_key or "sk-no-key-required",
            base_url=self.base_url,
            max_retries=0,
            timeout=self.timeout,
        )

    @property
    def name(self) -> str:
        return f"{self.provider}:{self.model}"

    def send(self, request: Request) -> Completion:
        guard_remote(self.base_url or "https://api.openai.com/v1", self.name)
        kwargs: dict[str, Any] = {"model": self.model, **request.chat_body()}
        try:
            response = self._client.chat.completions.create(**kwargs)
        except openai.OpenAIError as exc:
            raise translate(exc, self.name, self.api_key) from None
        choice = response.choices[0]
        usage = response.usage
        details = getattr(usage, "prompt_tokens_details", None)
        return Completion(
            text=choice.message.content or "",
            usage=Usage(
                usage.prompt_tokens if usage else 0,
                usage.completion_tokens if usage else 0,
                (getattr(details, "cached_tokens", 0) or 0) if details else 0,
            ),
            finish_reason=choice.finish_reason or "stop",
            model=self.name,
            more=tuple(c.message.content or "" for c in response.choices[1:]),
        )
