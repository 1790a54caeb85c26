"""Fixtures of the benchmark tests: a small HumanEval+ subset, the real sandbox, a fake solver."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sparring.bench import BenchTask, Scorer, ScoringLimits, load_dataset
from sparring.bench.canonical import CanonicalOutputs
from sparring.sandbox import Sandbox, open_sandbox
from sparring.tasks import FunctionTask

SUBSET = ("HumanEval/2", "HumanEval/13", "HumanEval/24", "HumanEval/31")
"""Small tasks: a float output (atol), a recursive one, and two with a few hundred plus inputs."""

FAST = ScoringLimits(base_timeout=3.0, min_input_timeout=0.5, plus_timeout_cap=15.0)


@pytest.fixture(scope="session")
def humanevalplus_file() -> Path:
    """The full HumanEval+ file, beside the project as ``../shared/data`` (the tests only read it)."""
    path = Path(__file__).resolve().parents[3] / "shared" / "data" / "HumanEvalPlus.jsonl.gz"
    if not path.is_file():
        pytest.skip(f"HumanEval+ data not found at {path}")
    return path


@pytest.fixture(scope="session")
def subset_file(humanevalplus_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``SUBSET`` tasks copied into a plain jsonl file."""
    with gzip.open(humanevalplus_file, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    picked = [row for row in rows if row["task_id"] in SUBSET]
    assert len(picked) == len(SUBSET)
    path = tmp_path_factory.mktemp("data") / "subset.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in picked), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tasks(subset_file: Path) -> dict[str, BenchTask]:
    return {task.task_id: task for task in load_dataset(str(subset_file)).tasks}


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    """bubblewrap where it works (it does on the project's machines), else the plain process backend."""
    return open_sandbox("bwrap") if shutil.which("bwrap") else open_sandbox("process")


@pytest.fixture(scope="session")
def canonical_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache of expected outputs for the whole session, so each task's is computed once."""
    return tmp_path_factory.mktemp("canonical")


@pytest.fixture(scope="session")
def scorer(subset_file: Path, sandbox: Sandbox, canonical_root: Path) -> Scorer:
    data = load_dataset(str(subset_file))
    return Scorer(sandbox, CanonicalOutputs(data, sandbox, root=canonical_root), FAST)


@dataclass(frozen=True)
class Outcome:
    code: str
    verdict: str = "pass"
    stop_reason: str | None = None
    usage: Mapping[str, Any] = field(default_factory=lambda: {"tokens": 100, "calls": 1, "seconds": 2.0})
    run_id: str = "run-1"


@dataclass
class FakeSolver:
    """Answers from ``answer(task, workflow, seed)`` and records every call it gets."""

    answer: Callable[[FunctionTask, str, int], str]
    calls: list[tuple[FunctionTask, str, int]] = field(default_factory=list)

    def __call__(self, task: FunctionTask, workflow: str, *, seed: int) -> Outcome:
        self.calls.append((task, workflow, seed))
        return Outcome(code=self.answer(task, workflow, seed))


WRONG = "def {name}(*args):\n    return None\n"


def wrong_code(task: BenchTask | FunctionTask) -> str:
    return WRONG.format(name=task.entry_point)
