"""The scripted backend: a deterministic fake fed a list of replies or a function, for tests and demos."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from sparring.errors import ModelError
from sparring.llm.types import Completion, Request, Usage

Script = Callable[[Request], "str | Completion | BaseException"]


def estimate_tokens(text: str) -> int:
    """A rough count (4 characters a token) so fakes report plausible usage."""
    return max(1, len(text) // 4)


def _as_completion(item: str | Completion, request: Request, name: str) -> Completion:
    if isinstance(item, Completion):
        return item
    prompt = sum(estimate_tokens(m.content) for m in request.messages)
    return Completion(text=item, usage=Usage(prompt, estimate_tokens(item)), finish_reason="stop", model=name)


@dataclass
class ScriptedBackend:
    """Replies from a list (in order; an exception in the list is raised) or from a function of the request.

    ``requests`` records every request received, so tests can assert on prompts.
    """

    replies: Iterable[str | Completion | BaseException] | Script = ()
    name: str = "scripted"
    requests: list[Request] = field(default_factory=list)
    supports_prefill: bool = False  # True: replies are continuations of a trailing assistant message
    # True: a request for ``n`` choices is answered in one go (choice i is the reply to the request
    # with seed ``seed + i``; the prompt counted once), as llama.cpp and OpenAI do.
    supports_n: bool = False

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._queue = None if callable(self.replies) else list(self.replies)

    def send(self, request: Request) -> Completion:
        with self._lock:
            self.requests.append(request)
        if not (self.supports_n and request.n > 1):
            return self._answer(request)
        parts = [self._answer(request.part(i, 1)) for i in range(request.n)]
        usage = Usage(parts[0].usage.prompt_tokens, sum(p.usage.completion_tokens for p in parts))
        return replace(parts[0], usage=usage, more=tuple(p.text for p in parts[1:]))

    def _answer(self, request: Request) -> Completion:
        with self._lock:
            if self._queue is None:
                assert callable(self.replies)
                item = self.replies(request)
            elif self._queue:
                item = self._queue.pop(0)
            else:
                raise ModelError(f"scripted model ran out of replies after {len(self.requests) - 1} calls")
        if isinstance(item, BaseException):
            raise item
        return _as_completion(item, request, self.name)
