"""The embedded default model for real: one tiny prompt, and one small task solved by the sop team."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparring.llm import Model
from sparring.llm.local import EngineSettings, LocalBackend
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.tasks import task_from_source
from sparring.workflows import TeamConfig, solve

pytestmark = pytest.mark.model


def test_embedded_model_answers_a_tiny_prompt(embedded_model_path: Path) -> None:
    reply = Model(LocalBackend(embedded_model_path)).complete(
        "Reply with one word: yes or no. Is 3 > 2?", max_tokens=8
    )
    assert reply.text.strip() and reply.usage.completion_tokens > 0
    assert reply.model.startswith("local:qwen2.5-coder-1.5b")


def test_embedded_model_samples_several_choices_of_one_prompt(embedded_model_path: Path) -> None:
    # Two slots: three choices take two requests of the engine (two prompt evaluations, both billed).
    backend = LocalBackend(embedded_model_path, EngineSettings(n_parallel=2))
    prompt = "Name a colour. Reply with one word."
    one = Model(backend).complete(prompt, max_tokens=6, temperature=1.0, seed=1)
    reply = Model(backend).complete(prompt, max_tokens=6, temperature=1.0, seed=1, n=3)
    assert len(reply.choices) == 3 and reply.requests == 1
    assert reply.usage.prompt_tokens == 2 * one.usage.prompt_tokens
    assert reply.usage.completion_tokens >= 3  # every choice's tokens, not the first one's only


def test_sop_team_solves_a_small_task_on_the_embedded_model(embedded_model_path: Path) -> None:
    task = task_from_source(
        "def count_vowels(text: str) -> int:\n"
        '    """Count the vowels (a, e, i, o, u, either case) in text.\n'
        "    >>> count_vowels('Hello World')\n    3\n    >>> count_vowels('')\n    0\n    \"\"\"\n"
    )
    model = Model(LocalBackend(embedded_model_path))
    config = TeamConfig(workflow="sop", settings={"samples": 2, "test_count": 4})
    result = solve(
        task, config, store=RunStore(":memory:"), sandbox=open_sandbox(), models=lambda role: model
    )
    assert result.verdict == "passed", result.evidence
    namespace: dict[str, object] = {}
    exec(result.code, namespace)
    assert namespace["count_vowels"]("AEIOU xyz") == 5  # type: ignore[operator]
