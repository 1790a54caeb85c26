"""``Model``: the one code path around every backend.

A backend only turns a ``Request`` into a ``Completion`` (or raises a typed error). Everything else
lives here once: the response cache, retries with backoff, schema validation with bounded repair
retries, truncation as its own error, usage metering and budgets.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from sparring.errors import (
    BudgetExceeded,
    MalformedOutput,
    ModelError,
    PromptCutOff,
    TransientModelError,
    TruncatedOutput,
)
from sparring.llm.cache import ResponseCache
from sparring.llm.meter import Meter
from sparring.llm.types import Completion, Message, MessageLike, Reply, Request, Usage, to_messages


class Backend(Protocol):
    """What an adapter implements: one request in, one completion out, typed errors on failure."""

    @property
    def name(self) -> str: ...

    def send(self, request: Request) -> Completion: ...


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Backoff for transient failures (429 / 5xx / timeouts); ``Retry-After`` wins when given."""

    max_retries: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        return float(min(self.base_delay * 2**attempt * (0.5 + random.random()), self.max_delay))


Pricing = Callable[[Completion], float | None]

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def extract_json(text: str) -> str:
    """Pull the JSON object out of a reply that may wrap it in prose or a code fence. The reply as a
    whole comes first: an object whose strings hold fenced code (a debater's ``"code": "```python
    ..."``) must not be mistaken for prose around a fence."""
    spans = [_object_span(text)] + [_object_span(m.group(1)) for m in _FENCE.finditer(text)]
    for span in spans:
        try:
            json.loads(span)
        except ValueError:
            continue
        return span
    fenced = _FENCE.search(text)
    return _object_span(fenced.group(1) if fenced else text)


def _object_span(text: str) -> str:
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        return text[start : end + 1]
    return text.strip()


def schema_of(schema: type[BaseModel]) -> dict[str, Any]:
    return schema.model_json_schema()


# Real prompts run 1.3–4.6 characters a token, chat template included (every message of four
# benchmark stores, HumanEval+ and MBPP, on the embedded model); a server that reports fewer than
# one token per 8 characters of a long prompt has read only part of it. (Ollama, for one, silently
# keeps the end of a prompt longer than its num_ctx.)
CUT_CHARS_PER_TOKEN = 8
CUT_MIN_CHARS = 8000


def prompt_cut(request: Request, usage: Usage) -> int | None:
    """The prompt's length in characters when the reported usage shows the server cut it, else None.
    Backends that report no usage (0 prompt tokens), or a reused prompt cache, are not judged."""
    if usage.cached_tokens:  # some servers count only the tokens they evaluated anew: not a cut
        return None
    chars = sum(len(m.content) for m in request.messages)
    if chars >= CUT_MIN_CHARS and 0 < usage.prompt_tokens * CUT_CHARS_PER_TOKEN < chars:
        return chars
    return None


@dataclasses.dataclass(frozen=True)
class Model:
    """A backend plus the shared machinery. Cheap to copy: ``using(meter=...)`` shares backend and cache."""

    backend: Backend
    cache: ResponseCache | None = None
    meter: Meter | None = None
    retry: RetryPolicy = RetryPolicy()
    repair_retries: int = 2
    pricing: Pricing | None = None
    default_max_tokens: int = 1024
    sleep: Callable[[float], None] = time.sleep

    @property
    def name(self) -> str:
        return self.backend.name

    def using(self, *, meter: Meter | None = None, cache: ResponseCache | None = None) -> Model:
        return dataclasses.replace(
            self,
            meter=meter if meter is not None else self.meter,
            cache=cache if cache is not None else self.cache,
        )

    def complete(
        self,
        messages: Sequence[MessageLike] | str,
        *,
        schema: type[BaseModel] | None = None,
        role: str = "default",
        temperature: float = 0.0,
        max_tokens: int | None = None,
        stop: Sequence[str] = (),
        seed: int | None = None,
        allow_truncated: bool = False,
        n: int = 1,
    ) -> Reply:
        """Ask the model; with ``schema`` the reply is constrained where possible and always validated.

        With ``n > 1`` (free text only) the reply carries ``n`` sampled ``choices`` of one prompt. Where the
        backend can (llama.cpp, OpenAI-compatible servers) that is one request: the prompt is evaluated
        and billed once and choice ``i`` is sampled with ``seed + i``. Elsewhere it is ``n`` requests
        with those seeds, each metered as its own call.

        A reply cut off at ``max_tokens`` raises ``TruncatedOutput``, unless ``allow_truncated`` (and no
        schema): then the partial reply comes back with ``finish_reason == "length"``, for callers that
        can use a part (a list of tests) and must not lose the tokens it cost."""
        if n > 1 and schema is not None:
            raise ValueError("several choices (n > 1) are for free-text replies, not schemas")
        msgs = to_messages(messages)
        prefill = ""
        if msgs and msgs[-1].role == "assistant" and schema is None:
            # A trailing assistant message is the start of the reply (the model continues it) where the
            # backend can do that; elsewhere it is left out and the model answers from scratch.
            if getattr(self.backend, "supports_prefill", False):
                prefill = msgs[-1].content
            else:
                msgs = msgs[:-1]
        request = Request(
            messages=tuple(msgs),
            temperature=temperature,
            max_tokens=max_tokens or self.default_max_tokens,
            json_schema=schema_of(schema) if schema else None,
            stop=tuple(stop),
            seed=seed,
            n=max(n, 1),
        )
        started = time.monotonic()
        total_attempts = requests = 0
        spent = Usage()  # every attempt's tokens, repairs included: the reply (or error) reports them all
        for repair in range(self.repair_retries + 1):
            completion, cached, attempts, sent = self._send(request, role)
            total_attempts += attempts
            requests += sent
            spent = spent + completion.usage
            if (chars := prompt_cut(request, completion.usage)) is not None:
                raise PromptCutOff(
                    f"{self.name} read {completion.usage.prompt_tokens} prompt tokens of a {chars}-character "
                    "prompt: the server cut it to its context window; give the server a larger "
                    "context (Ollama: num_ctx or OLLAMA_CONTEXT_LENGTH; llama.cpp server: -c) "
                    "or the team a smaller task",
                    usage=spent,
                )
            if completion.finish_reason == "length" and not (allow_truncated and schema is None):
                raise TruncatedOutput(
                    f"{self.name} stopped at the {request.max_tokens}-token limit; raise max_tokens",
                    partial=completion.text,
                    usage=spent,
                )
            if schema is None:
                if prefill:
                    texts = [t if t.startswith(prefill) else prefill + t for t in completion.texts]
                    completion = dataclasses.replace(completion, text=texts[0], more=tuple(texts[1:]))
                return self._reply(completion, spent, started, cached, total_attempts, requests=requests)
            try:
                parsed = schema.model_validate_json(extract_json(completion.text))
            except ValidationError as exc:
                if repair == self.repair_retries:
                    raise MalformedOutput(
                        f"{self.name} gave no valid {schema.__name__} after {repair + 1} tries:"
                        f" {_first_error(exc)}",
                        last_text=completion.text,
                        usage=spent,
                    ) from None
                request = dataclasses.replace(
                    request, messages=(*request.messages, *_repair_messages(completion.text, exc))
                )
                continue
            return self._reply(completion, spent, started, cached, total_attempts, parsed, requests=requests)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, request: Request, role: str) -> tuple[Completion, bool, int, int]:
        """All ``request.n`` choices: one request where the backend samples several, topped up with
        single requests (seeds ``seed + i``) when it returned fewer; else one request per choice.
        Returns the completion, whether it all came from the cache, attempts and requests sent."""
        if request.n == 1:
            return (*self._send_one(request, role), 1)
        if getattr(self.backend, "supports_n", False):
            done, cached, attempts = self._send_one(request, role)
        else:
            done, cached, attempts = self._send_one(request.part(0, 1), role)
        sent = 1
        while len(done.texts) < request.n:
            got = len(done.texts)
            try:
                more, was_cached, tries = self._send_one(request.part(got, 1), role)
            except BudgetExceeded:
                break  # the budget ran out between choices: the ones already paid for come back
            except ModelError as exc:
                if getattr(exc, "usage", None) is None:
                    exc.usage = done.usage  # type: ignore[attr-defined]  # what the choices so far cost
                raise
            sent += 1
            done = dataclasses.replace(done, usage=done.usage + more.usage, more=(*done.more, *more.texts))
            cached, attempts = cached and was_cached, attempts + tries
        if len(done.texts) > request.n:
            done = dataclasses.replace(done, more=done.more[: request.n - 1])
        return done, cached, attempts, sent

    def _send_one(self, request: Request, role: str) -> tuple[Completion, bool, int]:
        """One request: the budget claims it before anything is sent and settles it after."""
        meter = self.meter
        if meter is None:
            return self._fetch(request)
        claim = meter.reserve(request.token_bound(), self._dollar_bound(request))
        t0 = time.monotonic()
        try:
            completion, cached, attempts = self._fetch(request)
        except BaseException:
            meter.release(claim)
            raise
        cost = self.pricing(completion) if self.pricing else None
        meter.settle(
            claim, role, completion.usage, seconds=time.monotonic() - t0, dollars=cost or 0.0, cached=cached
        )
        return completion, cached, attempts

    def _fetch(self, request: Request) -> tuple[Completion, bool, int]:
        """The cached reply, or the backend's with retries on transient failures."""
        cacheable = self.cache is not None and (request.temperature == 0 or request.seed is not None)
        key = getattr(self.backend, "cache_id", self.name)  # e.g. a local model's path, size and date
        completion = self.cache.get(key, request) if cacheable and self.cache is not None else None
        if completion is not None and prompt_cut(request, completion.usage) is not None:
            completion = None  # a cut reply cached before cuts were detected: ask again
        cached, attempts = completion is not None, 0
        while completion is None:
            attempts += 1
            try:
                completion = self.backend.send(request)
            except TransientModelError as exc:
                if attempts > self.retry.max_retries:
                    raise
                self.sleep(self.retry.delay(attempts - 1, exc.retry_after))
        if (
            cacheable
            and self.cache is not None
            and not cached
            and completion.finish_reason != "length"
            and prompt_cut(request, completion.usage) is None  # a larger context later must be asked anew
        ):
            self.cache.put(key, request, completion)
        return completion, cached, max(attempts, 1)

    def _dollar_bound(self, request: Request) -> float:
        if self.pricing is None:
            return 0.0
        worst = Completion("", Usage(request.prompt_estimate(), request.max_tokens))
        return self.pricing(worst) or 0.0

    def _reply(
        self,
        completion: Completion,
        usage: Usage,
        started: float,
        cached: bool,
        attempts: int,
        parsed: BaseModel | None = None,
        *,
        requests: int = 1,
    ) -> Reply:
        return Reply(
            text=completion.text,
            usage=usage,
            latency=time.monotonic() - started,
            model=completion.model or self.name,
            parsed=parsed,
            cost=self.pricing(completion) if self.pricing else None,
            cached=cached,
            attempts=attempts,
            finish_reason=completion.finish_reason,
            choices=completion.texts if completion.more else (),
            requests=requests,
        )


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "reply"
    return f"{where}: {err.get('msg', 'invalid')}"


def _repair_messages(bad: str, exc: ValidationError) -> list[Message]:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ())) or 'reply'}: {e.get('msg')}" for e in exc.errors()[:5]
    )
    return [
        Message.assistant(bad),
        Message.user(
            f"That reply is not valid JSON for the required schema ({problems}). "
            "Reply again with only the corrected JSON object."
        ),
    ]
