"""How fast is the model on this machine? One run, about a minute on 2 CPU cores.

    .venv/bin/python benchmarks/model_speed.py [--model SPEC] [--json]

Measures, on the model a spec names (default ``local``, the embedded Qwen2.5-Coder-1.5B):

- prompt processing tokens/s (a ~1000-token prompt that nothing has been cached for),
- generation tokens/s (one request, 128 tokens),
- the shared-prefix speed-up: two requests with the same ~1000-token system prefix and different
  short suffixes; the second reuses the first's KV cache, so its prompt time is compared with the
  first's,
- parallel throughput: aggregate generation tokens/s of 1, 2 and 4 concurrent requests (threads)
  on the same engine.

For ``local`` specs the engine's own ``timings`` (prompt_n, prompt_ms, predicted_n, predicted_ms,
cache_n) are read by calling the engine directly with the request the adapter would send. For other
specs only wall time is available: the prompt time is the wall time of a one-token reply, and the
generation time is the wall time minus that. The response cache is off, so every call really runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from sparring.llm import Message, Model, open_model
from sparring.llm.local import LocalBackend, load_engine

GEN_TOKENS = 128
PARALLEL_TOKENS = 64
PARALLEL_LEVELS = (1, 2, 4)

_TOPICS = (
    "naming",
    "error handling",
    "logging",
    "tests",
    "type hints",
    "imports",
    "docstrings",
    "concurrency",
    "file handling",
    "subprocesses",
)


def shared_prefix(tag: str) -> str:
    """A ~1000-token system prompt, made unique by ``tag`` at its start so no earlier call matches it."""
    lines = [f"Session {tag}. You are a careful Python reviewer working in a team of agents."]
    for i in range(30):
        topic = _TOPICS[i % len(_TOPICS)]
        lines.append(
            f"Rule {i + 1} ({topic}): when a change touches {topic}, check that it follows the project's "
            f"conventions for {topic}, say which line breaks them and propose the smallest fix."
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class Sample:
    """One request: tokens and milliseconds, from the engine's timings or from wall time."""

    prompt_n: int
    prompt_ms: float
    predicted_n: int
    predicted_ms: float
    cache_n: int
    wall_s: float


Runner = Callable[[list[Message], int], Sample]


def engine_runner(backend: LocalBackend) -> Runner:
    """Call the in-process llama.cpp engine directly to get its timings."""
    engine = load_engine(backend.path, backend.settings)

    def run(messages: list[Message], max_tokens: int) -> Sample:
        body: dict[str, Any] = {
            "messages": [m.as_dict() for m in messages],
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "cache_prompt": True,
            "ignore_eos": True,  # always generate max_tokens, so runs are comparable
        }
        t0 = time.perf_counter()
        result = engine.handle_chat_completions(body)
        wall = time.perf_counter() - t0
        if "error" in result:
            raise RuntimeError(f"llama.cpp refused the request: {result['error']}")
        t = result["timings"]
        return Sample(
            prompt_n=int(t["prompt_n"]),
            prompt_ms=float(t["prompt_ms"]),
            predicted_n=int(t["predicted_n"]),
            predicted_ms=float(t["predicted_ms"]),
            cache_n=int(t.get("cache_n", 0)),
            wall_s=wall,
        )

    return run


def wall_runner(model: Model) -> Runner:
    """Any other backend: time ``Model.complete``; the prompt time is estimated separately."""

    def run(messages: list[Message], max_tokens: int) -> Sample:
        t0 = time.perf_counter()
        reply = model.complete(messages, max_tokens=max_tokens)
        wall = time.perf_counter() - t0
        u = reply.usage
        return Sample(
            prompt_n=u.prompt_tokens - u.cached_tokens,
            prompt_ms=wall * 1000 if max_tokens == 1 else 0.0,
            predicted_n=u.completion_tokens,
            predicted_ms=wall * 1000,
            cache_n=u.cached_tokens,
            wall_s=wall,
        )

    return run


def per_second(n: float, ms: float) -> float:
    return n / (ms / 1000) if ms > 0 else 0.0


def measure(spec: str, console: Console) -> dict[str, Any]:
    model = open_model(spec, use_cache=False)
    exact = isinstance(model.backend, LocalBackend)
    results: dict[str, Any] = {
        "model": model.name,
        "timing_source": "engine timings" if exact else "wall time",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
    }
    t0 = time.perf_counter()
    if isinstance(model.backend, LocalBackend):
        run = engine_runner(model.backend)
        results["load_s"] = round(time.perf_counter() - t0, 2)
        results["n_parallel"] = model.backend.settings.n_parallel
    else:
        run = wall_runner(model)
    tag = uuid.uuid4().hex[:8]

    console.log("warm-up")
    run([Message.user(f"Say hi. ({tag})")], 4)

    console.log("shared prefix: first request (nothing cached)")
    prefix = shared_prefix(tag)
    first = run([Message.system(prefix), Message.user("Review: def f(x): return x+1")], 1)
    console.log("shared prefix: second request (same prefix, other suffix)")
    second = run([Message.system(prefix), Message.user("Review: import os, sys")], 1)
    results["prompt_tokens"] = first.prompt_n
    results["prompt_tok_s"] = round(per_second(first.prompt_n, first.prompt_ms), 1)
    results["prefix_first_ms"] = round(first.prompt_ms if exact else first.wall_s * 1000, 1)
    results["prefix_second_ms"] = round(second.prompt_ms if exact else second.wall_s * 1000, 1)
    results["prefix_second_cached_tokens"] = second.cache_n
    results["prefix_second_new_tokens"] = second.prompt_n
    results["prefix_speedup"] = round(results["prefix_first_ms"] / max(results["prefix_second_ms"], 1e-3), 1)

    console.log(f"generation: {GEN_TOKENS} tokens")
    gen = run([Message.user(f"Write a long Python module that parses CSV files. ({tag})")], GEN_TOKENS)
    if exact:
        results["gen_tok_s"] = round(per_second(gen.predicted_n, gen.predicted_ms), 1)
    else:  # subtract the prompt time of a one-token reply to the same prompt
        probe = run([Message.user(f"Write a long Python module that parses CSV files. ({tag}!)")], 1)
        results["gen_tok_s"] = round(per_second(gen.predicted_n, gen.wall_s * 1000 - probe.wall_s * 1000), 1)
    results["gen_tokens"] = gen.predicted_n

    parallel: list[dict[str, Any]] = []
    for k in PARALLEL_LEVELS:
        console.log(f"parallel: {k} concurrent request(s) x {PARALLEL_TOKENS} tokens")
        prompts = [
            [Message.user(f"Write Python function number {i} of a date utility library. ({tag}/{k}/{i})")]
            for i in range(k)
        ]
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=k) as pool:
            samples = list(pool.map(lambda m: run(m, PARALLEL_TOKENS), prompts))
        wall = time.perf_counter() - start
        tokens = sum(s.predicted_n for s in samples)
        parallel.append(
            {
                "concurrent": k,
                "tokens": tokens,
                "wall_s": round(wall, 2),
                "aggregate_tok_s": round(tokens / wall, 1),
                "per_request_tok_s": round(
                    sum(per_second(s.predicted_n, s.predicted_ms) for s in samples) / k, 1
                )
                if exact
                else None,
            }
        )
    results["parallel"] = parallel
    return results


def print_table(r: dict[str, Any], console: Console) -> None:
    table = Table(title=f"{r['model']} on {r['cpus']} CPUs ({r['timing_source']}, {r['date']})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    if "load_s" in r:
        table.add_row("engine load", f"{r['load_s']:.2f} s")
    table.add_row(
        f"prompt processing ({r['prompt_tokens']} tokens, uncached)", f"{r['prompt_tok_s']:.1f} tok/s"
    )
    table.add_row(f"generation ({r['gen_tokens']} tokens)", f"{r['gen_tok_s']:.1f} tok/s")
    table.add_row("shared prefix, 1st request prompt time", f"{r['prefix_first_ms']:.0f} ms")
    table.add_row(
        f"shared prefix, 2nd request prompt time ({r['prefix_second_cached_tokens']} cached,"
        f" {r['prefix_second_new_tokens']} new tokens)",
        f"{r['prefix_second_ms']:.0f} ms",
    )
    table.add_row("shared prefix speed-up", f"{r['prefix_speedup']:.1f}x")
    base = r["parallel"][0]["aggregate_tok_s"]
    for p in r["parallel"]:
        gain = p["aggregate_tok_s"] / base if base else 0.0
        table.add_row(
            f"{p['concurrent']} concurrent x {PARALLEL_TOKENS} tokens: aggregate generation",
            f"{p['aggregate_tok_s']:.1f} tok/s ({gain:.2f}x)",
        )
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", default="local", help="model spec (default: local)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    args = parser.parse_args(argv)
    console = Console(stderr=args.json)
    started = time.perf_counter()
    results = measure(args.model, console)
    results["total_s"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results, console)
        console.print(f"total run time {results['total_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
