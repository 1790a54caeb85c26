"""Hidden-test scoring in the real sandbox: base (``check``) and plus (EvalPlus outputs and limits)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from sparring.bench import BenchTask, Scorer, load_dataset
from sparring.bench.canonical import CanonicalOutputs
from sparring.bench.harness import decode, encode, matches
from sparring.sandbox import Execution, Sandbox

from .conftest import wrong_code

# passes the three base asserts of HumanEval/2 (3.5, 1.33, 123.456) but not the plus inputs
ROUNDED = "def truncate_number(number: float) -> float:\n    return round(number % 1.0, 3)\n"
LOOPS = "def {name}(*args):\n    while True:\n        pass\n"
# right on small inputs (the base tests), endless on the larger plus inputs
LOOPS_ON_BIG = (
    "def largest_divisor(n: int) -> int:\n"
    "    while n > 100:\n        pass\n"
    "    return max(i for i in range(1, n) if n % i == 0) if n > 1 else 1\n"
)


def test_canonical_solutions_pass_base_and_plus(scorer: Scorer, tasks: dict[str, BenchTask]) -> None:
    for task in tasks.values():
        score = scorer.score(task, task.canonical_code)
        assert (score.base, score.plus) == (True, True), (task.task_id, score)


def test_wrong_solution_fails_both(scorer: Scorer, tasks: dict[str, BenchTask]) -> None:
    score = scorer.score(tasks["HumanEval/13"], wrong_code(tasks["HumanEval/13"]))
    assert (score.base, score.plus, score.passed) == (False, False, False)
    assert "AssertionError" in score.base_reason


def test_a_solution_can_pass_base_and_fail_plus(scorer: Scorer, tasks: dict[str, BenchTask]) -> None:
    task = tasks["HumanEval/2"]
    score = scorer.score(task, task.prompt + "\n" + ROUNDED)
    assert score.base is True and score.plus is False and not score.passed
    assert "wrong output" in score.plus_reason


def test_infinite_loops_fail_within_a_bound(scorer: Scorer, tasks: dict[str, BenchTask]) -> None:
    start = time.monotonic()
    task = tasks["HumanEval/31"]
    assert not scorer.score(task, LOOPS.format(name=task.entry_point)).base
    plus = scorer.plus(tasks["HumanEval/24"], LOOPS_ON_BIG)
    assert plus[0] is False and "timeout" in plus[1]
    assert scorer.base(tasks["HumanEval/24"], LOOPS_ON_BIG)[0] is True
    assert time.monotonic() - start < 12  # base_timeout 3 s, min_input_timeout 0.5 s in FAST


@pytest.mark.parametrize(
    "body",
    [
        "import os\nos._exit(0)",  # leaves before the harness reports: no result is a failure
        "import sys\nsys.exit(0)",
        "print('SPARRING-RESULT {\"passed\": true}')\nraise SystemExit(0)",
        "syntax error here(",
    ],
)
def test_solutions_that_exit_or_forge_output_fail(
    scorer: Scorer, tasks: dict[str, BenchTask], body: str
) -> None:
    assert scorer.score(tasks["HumanEval/13"], body).passed is False


class CountingSandbox:
    """The real sandbox, counting the runs that go through it."""

    def __init__(self, inner: Sandbox) -> None:
        self.inner, self.runs = inner, 0

    @property
    def name(self) -> str:
        return self.inner.name

    def run(self, argv: Sequence[str], **kwargs: Any) -> Execution:
        self.runs += 1
        return self.inner.run(argv, **kwargs)

    def report(self) -> Any:
        return self.inner.report()


def test_expected_outputs_are_cached_per_dataset_file(
    subset_file: Path, sandbox: Sandbox, tmp_path: Path, tasks: dict[str, BenchTask]
) -> None:
    data = load_dataset(str(subset_file))
    counting = CountingSandbox(sandbox)
    first = CanonicalOutputs(data, counting, root=tmp_path).get(tasks["HumanEval/24"])
    again = CanonicalOutputs(data, counting, root=tmp_path).get(tasks["HumanEval/24"])
    assert counting.runs == 1 and first == again
    assert data.sha256 in str(CanonicalOutputs(data, counting, root=tmp_path).folder)
    n = len(tasks["HumanEval/24"].base_inputs or ()) + len(tasks["HumanEval/24"].plus_inputs or ())
    assert len(first.outputs) == n and all("ok" in item for item in first.outputs)


@pytest.mark.parametrize(
    "value",
    [None, True, 3, 2.5, float("inf"), "s", [1, (2, 3)], {1: {"a"}}, frozenset({1}), b"x", (), 7**5000],
)
def test_outputs_keep_their_python_types_through_json(value: object) -> None:
    import json

    assert decode(json.loads(json.dumps(encode(value)))) == value
    assert type(decode(json.loads(json.dumps(encode(value))))) is type(value)


@pytest.mark.parametrize(
    ("out", "exp", "atol", "ok"),
    [
        (1, 1, 0.0, True),
        ([1, 2], (1, 2), 0.0, False),  # a tuple is not a list
        (0.1 + 0.2, 0.3, 0.0, True),  # float outputs get atol 1e-6 like EvalPlus
        (0.3001, 0.3, 0.0, False),
        (0.3001, 0.3, 1e-3, True),
        ([0.1 + 0.2, 1.0], [0.3, 1.0], 0.0, True),
        (1, 1.0000001, 0.0, False),  # close, but an int where a float was expected
        (float("nan"), 0.5, 1e-3, False),
    ],
)
def test_outputs_compare_like_evalplus(out: object, exp: object, atol: float, ok: bool) -> None:
    assert matches(out, exp, atol, None, []) is ok


def test_find_zero_accepts_any_root() -> None:
    assert matches(2.0, -2.0, 1e-4, "find_zero", [[-4.0, 0.0, 1.0]])  # x**2 - 4 has roots ±2
    assert not matches(1.0, 2.0, 1e-4, "find_zero", [[-4.0, 0.0, 1.0]])
