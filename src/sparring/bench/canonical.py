"""Expected outputs for EvalPlus inputs: the canonical solution run in the sandbox, cached on disk.

The cache lives under ``cache_dir()/bench/<dataset sha256>-h<harness version>/``, one file per task,
so a repeated benchmark on the same dataset file never recomputes them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sparring.bench.datasets import BenchTask, Dataset
from sparring.bench.execute import HARNESS_VERSION, run_harness
from sparring.config import cache_dir
from sparring.errors import TaskError
from sparring.sandbox import Limits, Sandbox

MiB = 1024 * 1024


@dataclass(frozen=True)
class Expected:
    """Per input (base inputs, then plus inputs): ``{"ok": encoded output}`` or ``{"error": why}``,
    and the seconds the canonical solution took."""

    outputs: tuple[Any, ...]
    seconds: tuple[float, ...]


class CanonicalOutputs:
    """The expected outputs of one dataset's tasks, computed once per dataset file."""

    def __init__(
        self, dataset: Dataset, sandbox: Sandbox, *, root: Path | None = None, timeout: float = 300.0
    ) -> None:
        base = root if root is not None else cache_dir() / "bench"
        self.folder = base / f"{dataset.sha256}-h{HARNESS_VERSION}"
        self._sandbox = sandbox
        self._timeout = timeout

    def get(self, task: BenchTask) -> Expected:
        """Read the cached outputs of ``task`` or compute and cache them."""
        path = self.folder / _file_name(task.task_id)
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                return Expected(tuple(data["outputs"]), tuple(data["seconds"]))
            except (OSError, ValueError, KeyError, TypeError):
                pass  # a damaged cache entry is recomputed
        expected = self._compute(task)
        _write_atomic(
            path,
            {"task_id": task.task_id, "outputs": list(expected.outputs), "seconds": list(expected.seconds)},
        )
        return expected

    def _compute(self, task: BenchTask) -> Expected:
        inputs = [*(task.base_inputs or ()), *(task.plus_inputs or ())]
        job = {"mode": "record", "entry_point": task.entry_point, "inputs": inputs, "timeout": 10.0}
        limits = Limits(timeout=self._timeout, memory=1024 * MiB, output=256 * MiB)
        result = run_harness(self._sandbox, task.canonical_code, job, limits)
        if result.data is None or "outputs" not in result.data:
            raise TaskError(
                f"{task.task_id}: the canonical solution failed on its own inputs: {result.reason}"
            )
        return Expected(tuple(result.data["outputs"]), tuple(float(s) for s in result.data["seconds"]))


def _file_name(task_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", task_id)[:80]
    return f"{safe}-{hashlib.sha256(task_id.encode()).hexdigest()[:8]}.json"


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)
