"""Per-task results: the record of one (task, workflow) pair, the resumable results file, the export.

The results file is JSON lines, one line appended (and flushed to disk) as each pair finishes, so an
interrupted benchmark resumes by skipping the pairs already in it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sparring.errors import ConfigError, TaskError

FORMAT = 1
RESULTS_NAME = "results.jsonl"


@dataclass(frozen=True)
class TaskResult:
    """One task solved by one workflow and scored once against the hidden tests."""

    task_id: str
    workflow: str
    solution: str
    base: bool
    plus: bool | None
    verdict: str
    stop_reason: str | None
    usage: dict[str, Any] = field(default_factory=dict)
    """``tokens``, ``calls``, ``seconds``; where measured, ``prompt_tokens``, ``completion_tokens``
    and ``by_role`` (results written before the split have only the first three)."""
    run_id: str = ""
    seed: int = 0
    dataset_sha256: str = ""
    base_reason: str = ""
    plus_reason: str = ""
    score_seconds: float = 0.0

    @property
    def key(self) -> tuple[str, str]:
        return (self.task_id, self.workflow)

    @property
    def passed(self) -> bool:
        """The headline verdict: ``plus`` where the dataset has it, else ``base``."""
        return self.base if self.plus is None else self.plus

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskResult:
        data = {k: v for k, v in data.items() if k != "format"}
        return cls(**data)


def read_results(path: Path, sha256: str | None = None) -> list[TaskResult]:
    """The results in a file (or in a folder's ``results.jsonl``), without changing it. A last line
    cut short by a kill is dropped; any other bad line, or (with ``sha256``) a result written for
    another dataset file, is an error naming the line."""
    path = path / RESULTS_NAME if path.is_dir() else path
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"no benchmark results at {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    kept: list[TaskResult] = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            result = TaskResult.from_json(data)
        except (ValueError, TypeError) as exc:
            if lineno == len(lines):
                break  # the last line was being written when the benchmark stopped
            raise TaskError(f"{path}:{lineno}: not a benchmark result: {exc}") from None
        if sha256 is not None and result.dataset_sha256 != sha256:
            raise TaskError(
                f"{path}:{lineno}: written for another dataset file "
                f"(sha256 {result.dataset_sha256[:12]}…, now {sha256[:12]}…)"
            )
        kept.append(result)
    return kept


class ResultsFile:
    """Appends results as JSON lines; on resume, reads the finished pairs of the same dataset.

    ``done`` holds every finished pair, resumed or new. Only the thread that owns it calls ``append``.
    """

    def __init__(self, path: Path, dataset_sha256: str, *, resume: bool) -> None:
        self.path = path
        self.sha256 = dataset_sha256
        self.done: dict[tuple[str, str], TaskResult] = {}
        if resume and not path.is_file():
            raise ConfigError(f"nothing to resume: {path} is not a benchmark results file")
        path.parent.mkdir(parents=True, exist_ok=True)
        if resume:
            self.done = {r.key: r for r in self._read()}
            if not self.done and path.read_text(encoding="utf-8").strip():
                raise TaskError(f"{path} holds no benchmark results; refusing to overwrite it")
        elif path.is_file() and path.stat().st_size:
            raise ConfigError(f"{path} already holds benchmark results: resume it or use another directory")
        # rewrite what was kept, dropping a line cut short by a kill
        with path.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r.to_json()) + "\n" for r in self.done.values())

    def _read(self) -> list[TaskResult]:
        return read_results(self.path, self.sha256)

    def append(self, result: TaskResult) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(result.to_json()) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.done[result.key] = result


def write_export(path: Path, results: Iterable[TaskResult]) -> None:
    """One JSON line per task and workflow: the final solution (a runnable module), verdicts, usage."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in results:
            line = {
                "task_id": r.task_id,
                "workflow": r.workflow,
                "solution": r.solution,
                "pass_base": r.base,
                "pass_plus": r.plus,
                "passed": r.passed,
                "verdict": r.verdict,
                "stop_reason": r.stop_reason,
                "usage": r.usage,
                "run_id": r.run_id,
            }
            fh.write(json.dumps(line) + "\n")
