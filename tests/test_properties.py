"""The red team's hypothesis properties: parsing, binding to the spec's examples, and running them
against candidates in the real sandbox (refereed, bounded, derandomized)."""

from __future__ import annotations

import pytest

from sparring.evidence import cases_from_asserts, cases_from_prompt
from sparring.properties import (
    Property,
    PropertyLimits,
    PropertyOutcome,
    bindings,
    run_properties,
    split_properties,
)
from sparring.sandbox import open_sandbox
from sparring.tasks import demo_task
from tests.test_debate import GOOD, UNSORTED

TASK = demo_task()
EXAMPLES = cases_from_prompt(TASK.prompt, TASK.entry_point)
INTERVALS = "st.lists(st.tuples(st.integers(0, 9), st.integers(0, 3)).map(lambda p: [p[0], p[0] + p[1]]))"
# Valid per the spec: every input interval lies inside one output interval.
COVERS = f"""@given({INTERVALS})
def test_covers_every_interval(intervals):
    out = merge_intervals(intervals)
    for s, e in intervals:
        assert any(a <= s and e <= b for a, b in out), "an input interval is not covered"
"""
# Contradicts the spec's examples (overlapping intervals merge, so the count shrinks).
SAME_LENGTH = f"""@given({INTERVALS})
def test_same_length(intervals):
    assert len(merge_intervals(intervals)) == len(intervals)
"""


def prop(source: str) -> Property:
    (found,), _ = split_properties(source, TASK.entry_point)
    return found


def run(code: str, *sources: str, limits: PropertyLimits | None = None) -> list[PropertyOutcome]:
    props = [prop(s) for s in sources]
    return run_properties(open_sandbox(), code, props, EXAMPLES, TASK.entry_point, limits or PropertyLimits())


def test_properties_are_split_from_plain_asserts() -> None:
    reply = (
        "Two attacks:\n```python\nfrom hypothesis import given, settings, strategies as st\n"
        "from solution import merge_intervals\n\n"
        "assert merge_intervals([[8, 9], [1, 2]]) == [[1, 2], [8, 9]]\n\n"
        f"@settings(max_examples=5000)\n{COVERS}\n"
        "def helper(x):\n    return x\n```\n"
    )
    (found,), rest = split_properties(reply, TASK.entry_point)
    assert found.name == "test_covers_every_interval"
    assert "@settings" not in found.source and "import merge_intervals" not in found.source
    assert "from hypothesis import given" in found.source and "def helper" in found.source
    # the assert inside the property is not a plain attack; the top-level one still is
    assert [c.as_assert() for c in cases_from_asserts(rest, TASK.entry_point)] == [
        "assert merge_intervals([[8, 9], [1, 2]]) == [[1, 2], [8, 9]]"
    ]
    assert split_properties("```python\n@given(\n```", TASK.entry_point)[0] == []


def test_spec_examples_bind_only_to_parameters_passed_straight_to_the_function() -> None:
    bound = bindings(prop(COVERS), EXAMPLES, TASK.entry_point)
    assert [b["kwargs"] for b in bound] == [
        {"intervals": "[[1, 3], [2, 6], [8, 10], [15, 18]]"},
        {"intervals": "[[1, 4], [4, 5]]"},
        {"intervals": "[]"},
    ]
    derived = COVERS.replace("merge_intervals(intervals)", "merge_intervals(sorted(intervals))")
    assert bindings(prop(derived), EXAMPLES, TASK.entry_point) == []
    unbound = COVERS.replace(f"@given({INTERVALS})", f"@given({INTERVALS}, st.integers())").replace(
        "(intervals):", "(intervals, k):"
    )
    assert bindings(prop(unbound), EXAMPLES, TASK.entry_point) == []  # k has no value in any example


def test_a_valid_property_holds_on_good_code_and_breaks_buggy_code_with_a_minimal_input() -> None:
    (held,) = run(GOOD, COVERS)
    assert held.status == "held"
    (broken,) = run(UNSORTED, COVERS)
    assert broken.status == "broken" and "not covered" in broken.detail
    # the reported input is a real counterexample, found and shrunk by hypothesis: two intervals
    call, what = broken.calls[-1]
    assert broken.input.startswith("intervals=[[") and call.startswith("merge_intervals([[")
    namespace: dict[str, object] = {}
    exec(GOOD, namespace)
    assert what != f"returned {eval(call, namespace)!r}"  # the buggy answer is not the right one
    assert len(eval(call.removeprefix("merge_intervals"))) == 2  # one interval is always right
    # derandomized: the same run finds the same minimal input
    assert run(UNSORTED, COVERS)[0].input == broken.input
    assert "merge_intervals([[" in broken.describe() and "def test_covers_every_interval" in broken.describe()


def test_a_property_contradicting_a_spec_example_is_refused_before_it_runs() -> None:
    (outcome,) = run(GOOD, SAME_LENGTH)
    assert outcome.status == "contradicts"
    assert (
        "merge_intervals([[1, 3], [2, 6], [8, 10], [15, 18]]) == [[1, 6], [8, 10], [15, 18]]"
        in outcome.detail
    )


@pytest.mark.parametrize(
    ("source", "detail"),
    [
        # with the spec's own answer for merge_intervals([]) the property indexes an empty list
        (
            COVERS.replace(
                "for s, e in intervals:", "assert out[0][0] <= out[0][1]\n    for s, e in intervals:"
            ),
            "raises IndexError: list index out of range on the spec's example merge_intervals([]) == []",
        ),
        # no example binds (the argument is derived): the crash shows in the attack, in its own code
        (
            COVERS.replace("merge_intervals(intervals)", "merge_intervals(list(intervals))[0]"),
            "the property itself raises IndexError",
        ),
        (
            COVERS.replace("for s, e", "undefined_helper()\n    for s, e"),
            "raises NameError",
        ),
        (
            COVERS.replace(f"@given({INTERVALS})", f"@given({INTERVALS}, st.integers(0, 9))")
            .replace("(intervals):", "(intervals, k):")
            .replace("    out = ", "    assert k < 1\n    out = "),
            "fails without calling the function",
        ),
        (COVERS.replace("st.integers(0, 9)", "st.integers(9, 0)"), "InvalidArgument"),
        ("@given(st.integers())\ndef test_x(n:\n    pass\n", None),
    ],
)
def test_a_property_that_goes_wrong_on_its_own_is_invalid_not_a_break(
    source: str, detail: str | None
) -> None:
    if detail is None:  # not Python: never becomes a property at all
        assert split_properties(source, TASK.entry_point)[0] == []
        return
    (outcome,) = run(UNSORTED, source)  # buggy code: a crash must still not count as a break
    assert outcome.status == "invalid" and detail in outcome.detail


def test_a_crash_inside_the_candidate_is_a_break() -> None:
    crashing = GOOD.replace(
        "    out = []",
        "    if len(intervals) > 1 and intervals[0][0] > 5:\n        raise KeyError('boom')\n    out = []",
    )
    (outcome,) = run(crashing, COVERS)
    assert outcome.status == "broken" and outcome.detail.startswith("KeyError")
    assert outcome.calls[-1][1] == "raised KeyError"


def test_a_candidate_that_hangs_or_is_slow_is_a_break() -> None:
    hangs = GOOD.replace("    out = []", "    while len(intervals) > 2:\n        pass\n    out = []")
    (outcome,) = run(hangs, COVERS, limits=PropertyLimits(deadline_ms=1000, seconds=3))
    assert outcome.status == "broken" and outcome.detail.startswith("no answer within")
    assert outcome.calls[-1][1] == "did not answer in time"
    # slow on some inputs only, so that hypothesis shrinks to one of them in a second or two
    slow = "import time\n" + GOOD.replace(
        "    out = []",
        "    if any(s == e >= 5 for s, e in intervals):\n        time.sleep(0.2)\n    out = []",
    )
    (outcome,) = run(slow, COVERS, limits=PropertyLimits(deadline_ms=100))
    assert outcome.status == "broken" and outcome.detail == "slower than the 100 ms deadline"
    assert outcome.input == "intervals=[[5, 5]]"
