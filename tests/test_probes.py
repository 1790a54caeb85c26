"""Probe inputs mutated from the spec's examples, and how sop uses them to choose a candidate."""

from __future__ import annotations

from sparring.evidence import cases_from_prompt
from sparring.llm import Model, Request, ScriptedBackend
from sparring.probes import probe_cases
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.tasks import task_from_source
from sparring.workflows import TeamConfig, solve

SPEC = '''def first_even(xs, default=-1):
    """Return the first even number in xs, or default if there is none.
    >>> first_even([1, 2, 3])
    2
    >>> first_even([5, 7], default=0)
    0
    """
'''
CRASHES = """```python
def first_even(xs, default=-1):
    return xs[0] if xs[0] % 2 == 0 else next((x for x in xs if x % 2 == 0), default)
```"""
ROBUST = (
    "```python\ndef first_even(xs, default=-1):\n    return next((x for x in xs if x % 2 == 0), default)\n```"
)


def test_probes_mutate_one_literal_argument_at_a_time_and_never_repeat_an_example() -> None:
    examples = cases_from_prompt(SPEC, "first_even")
    probes = probe_cases(examples, "first_even", limit=50)
    calls = [p.call for p in probes]
    assert "first_even([])" in calls and "first_even([3, 2, 1])" in calls
    assert "first_even([5, 7, 5, 7, 5, 7], default=0)" in calls  # keyword arguments are kept
    assert not {e.call for e in examples} & set(calls)
    assert len(calls) == len(set(calls)) and all(p.expected is None and p.origin == "probe" for p in probes)
    assert [p.call for p in probe_cases(examples, "first_even", limit=3)] == calls[:3]  # deterministic
    assert probe_cases(examples, "first_even", limit=0) == []


def test_examples_whose_arguments_are_not_literals_give_no_probes() -> None:
    examples = cases_from_prompt('def f(x):\n    """\n    >>> f(range(3))\n    3\n    """\n', "f")
    assert examples and probe_cases(examples, "f") == []
    assert probe_cases(cases_from_prompt("def g(): pass\n", "g"), "g") == []


def _solve(**settings: object) -> str:
    def script(request: Request) -> str:
        if "tester" in request.messages[0].content:
            return "```python\nassert first_even([1, 2, 3]) == 2\n```"  # repeats an example: dropped
        return CRASHES if request.temperature == 0 else ROBUST  # the greedy candidate fails on []

    model = Model(ScriptedBackend(script))
    config = TeamConfig(workflow="sop", settings={"samples": 2, "max_rounds": 1, **settings})
    result = solve(
        task_from_source(SPEC), config, store=RunStore(":memory:"), sandbox=open_sandbox(),
        models=lambda role: model,
    )  # fmt: skip
    assert result.verdict == "passed"
    return result.code


def test_a_candidate_that_crashes_on_probe_inputs_the_other_handles_is_not_chosen() -> None:
    assert "next(" in _solve()
    # Without probes both behave the same on every case and the earlier (greedy) one is kept.
    assert "xs[0]" in _solve(probes=0)
