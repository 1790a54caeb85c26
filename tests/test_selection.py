"""Candidate selection on executed evidence (``steps.select``), on hand-built evidence."""

from __future__ import annotations

from sparring.evidence import Case, Evidence, Outcome
from sparring.workflows.state import Candidate
from sparring.workflows.steps import lone_crashes, select

EXAMPLE = Case(call="f([1, 2])", expected="[1, 2]", origin="prompt")
SHORT = Case(call="f([1])", expected="[1]")  # a designed test
ODD = Case(call="f([1, 2, 3])", expected=None)  # a designed input with no expectation
EMPTY = Case(call="f([])", expected=None)


def candidate(name: str, *outputs: str | Exception) -> Candidate:
    outcomes = [Outcome(case=EXAMPLE, output="[1, 2]", passed=True)]
    for case, out in zip((SHORT, ODD, EMPTY), outputs, strict=True):
        if isinstance(out, Exception):
            outcomes.append(Outcome(case=case, error=f"{type(out).__name__}: {out}", passed=False))
        else:
            passed = None if case.expected is None else out == case.expected
            outcomes.append(Outcome(case=case, output=out, passed=passed))
    return Candidate(code=f"# {name}", evidence=Evidence(outcomes=outcomes))


def test_a_crash_the_other_candidates_avoid_outweighs_a_larger_cluster() -> None:
    crashing = [candidate(f"crash{i}", "[1]", ValueError("bad"), "[]") for i in range(2)]
    robust = candidate("robust", "[1]", "[1, 2, 3]", "[]")
    handles = candidate("handles", "[1]", "[3, 2, 1]", "[]")
    chosen, _ = select([*crashing, robust, handles])
    assert chosen.code == "# robust"
    assert [lone_crashes([*crashing, robust, handles], c) for c in crashing] == [1, 1]


def test_an_input_most_candidates_raise_on_counts_against_none() -> None:
    # f([]) is probably invalid: three of four raise on it, so raising there is no fault, and the
    # largest behaviour cluster wins as before.
    pool = [candidate(f"raise{i}", "[1]", "[1, 2, 3]", IndexError("empty")) for i in range(3)]
    pool.append(candidate("odd", "[1]", "[3]", "[]"))
    chosen, _ = select(pool)
    assert chosen.code == "# raise0"
    assert [lone_crashes(pool, c) for c in pool] == [0, 0, 0, 0]


def test_the_trusted_examples_still_come_first() -> None:
    wrong = Candidate(
        code="# wrong",
        evidence=Evidence(outcomes=[Outcome(case=EXAMPLE, output="[2, 1]", passed=False)]),
    )
    crash = candidate("crash", ValueError("x"), ValueError("x"), ValueError("x"))
    chosen, _ = select([wrong, crash])
    assert chosen.code == "# crash"
