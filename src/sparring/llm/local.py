"""The in-process llama.cpp backend (``local`` / ``local:PATH.gguf``), on the xllamacpp binding.

xllamacpp embeds llama.cpp's own server engine: parallel slots with continuous batching, a prompt
cache per slot (roles that share a long prefix reuse its KV cache), JSON-schema grammars, and
OpenAI-shaped requests. Calls release the GIL, so threads overlap on the parallel slots.
The engine loads lazily, once per process and model file; see docs/models.md for why this binding.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sparring.errors import ModelRequestError, ModelUnavailable, TransientModelError
from sparring.llm.types import Completion, Request, Usage


@dataclass(frozen=True)
class EngineSettings:
    """How the engine is started; one engine per distinct (path, settings) in a process."""

    n_ctx: int = 16384
    n_parallel: int = 8  # also the most choices one request can sample together
    threads: int = 0  # 0: all cores
    kv_unified: bool = True  # slots share the whole context instead of n_ctx / n_parallel each


_engines: dict[tuple[str, EngineSettings], Any] = {}
_engines_lock = threading.Lock()


def _looks_like_gguf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"GGUF"


def load_engine(path: Path, settings: EngineSettings) -> Any:
    """Start (or reuse) the in-process engine for ``path``."""
    key = (str(path.resolve()), settings)
    with _engines_lock:
        if key in _engines:
            return _engines[key]
        if not path.is_file():
            raise ModelUnavailable(f"model file not found: {path}")
        if not _looks_like_gguf(path):
            raise ModelUnavailable(f"{path} is not a GGUF model file")
        try:
            import xllamacpp
        except ImportError:  # pragma: no cover - it is a core dependency
            raise ModelUnavailable("the local backend needs the 'xllamacpp' package") from None
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = settings.n_ctx
        params.n_parallel = settings.n_parallel
        params.kv_unified = settings.kv_unified
        params.cache_prompt = True
        params.verbosity = -1
        params.warmup = False
        threads = settings.threads or os.cpu_count() or 2
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        try:
            engine = xllamacpp.Server(params)
        except RuntimeError as exc:
            raise ModelUnavailable(f"llama.cpp could not load {path}: {exc}") from None
        _engines[key] = engine
        return engine


@dataclass
class LocalBackend:
    """A GGUF model run in this process."""

    path: Path
    settings: EngineSettings = field(default_factory=EngineSettings)
    # llama.cpp continues a trailing assistant message (a prefilled start of the reply).
    supports_prefill: bool = True
    # ... and samples several choices from one evaluated prompt (choice i with seed + i).
    supports_n: bool = True

    @property
    def name(self) -> str:
        return f"local:{self.path.stem}"

    @property
    def cache_id(self) -> str:
        """What the response cache keys on: the file itself, not just its name."""
        try:
            st = self.path.stat()
        except OSError:
            return self.name
        return f"{self.name}@{self.path.resolve()}:{st.st_size}:{int(st.st_mtime)}"

    def server_url(self) -> str:
        """The loopback OpenAI-compatible endpoint that the same engine also serves."""
        return f"{load_engine(self.path, self.settings).listening_address}/v1"

    def send(self, request: Request) -> Completion:
        engine = load_engine(self.path, self.settings)
        most = max(self.settings.n_parallel, 1)
        if request.n > most:  # more choices than slots: in groups, each evaluating (and billing) the prompt
            parts = [
                self.send(request.part(first, min(most, request.n - first)))
                for first in range(0, request.n, most)
            ]
            texts = [t for part in parts for t in part.texts]
            usage = sum((part.usage for part in parts), Usage())
            return replace(parts[0], usage=usage, more=tuple(texts[1:]))
        body = request.chat_body() | {"cache_prompt": True}
        try:
            result = engine.handle_chat_completions(body)
        except ValueError as exc:  # e.g. a schema llama.cpp cannot turn into a grammar
            raise ModelRequestError(f"llama.cpp rejected the request: {exc}") from None
        completion = parse_chat_completion(result, self.name)
        if completion.more:
            # The engine's usage counts the tokens of one choice; every choice's tokens are counted here.
            # (A continued assistant message comes back whole: its given start is not generated.)
            last = request.messages[-1] if request.messages else None
            start = last.content if last is not None and last.role == "assistant" else ""
            new = [t[len(start) :] if start and t.startswith(start) else t for t in completion.texts]
            generated = sum(_count_tokens(engine, text) + 1 for text in new)  # + the end token
            usage = completion.usage
            completion = replace(completion, usage=Usage(usage.prompt_tokens, generated, usage.cached_tokens))
        return completion


def _count_tokens(engine: Any, text: str) -> int:
    """Tokens of ``text`` by the engine's own tokenizer (its loopback ``/tokenize`` endpoint)."""
    request = urllib.request.Request(
        f"{engine.listening_address}/tokenize",
        data=json.dumps({"content": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return len(json.loads(response.read())["tokens"])
    except (OSError, ValueError, KeyError) as exc:
        raise TransientModelError(f"llama.cpp could not count tokens: {exc}") from None


def parse_chat_completion(result: dict[str, Any], name: str) -> Completion:
    """Read an OpenAI-shaped chat completion (or error) dict from the engine."""
    if "error" in result:
        err = result["error"]
        message = err.get("message", str(err)) if isinstance(err, dict) else str(err)
        code = err.get("code", 0) if isinstance(err, dict) else 0
        if code in (429, 500, 502, 503, 504):
            raise TransientModelError(f"llama.cpp busy or failing ({code}): {message}")
        raise ModelRequestError(f"llama.cpp refused the request: {message}")
    choices = sorted(result["choices"], key=lambda c: int(c.get("index", 0)))
    choice = choices[0]
    usage = result.get("usage", {})
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)
    return Completion(
        text=choice["message"].get("content") or "",
        usage=Usage(int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)), int(cached)),
        finish_reason=choice.get("finish_reason") or "stop",
        model=name,
        more=tuple(c["message"].get("content") or "" for c in choices[1:]),
    )
