"""Visible examples from HumanEval-style prompts, and the test module generated from them."""

from __future__ import annotations

from sparring.sandbox import Limits, Sandbox
from sparring.tools import Example, examples_from_prompt, examples_test_module, run_function_tests

PROMPT = '''from typing import List


def below_zero(operations: List[int]) -> bool:
    """ Detect if the balance ever falls below zero.
    >>> below_zero([1, 2, 3])
    False
    >>> below_zero([1, 2, -4, 5])
    True
    >>> print(below_zero([]))
    False
    """
'''


def test_doctest_examples_become_examples() -> None:
    assert examples_from_prompt(PROMPT, "below_zero") == [
        Example("below_zero([1, 2, 3])", "False", 5),
        Example("below_zero([1, 2, -4, 5])", "True", 7),
        Example("print(below_zero([]))", "False", 9),
    ]


def test_arrow_examples_when_there_are_no_doctests() -> None:
    prompt = "def f(x):\n    '''Double it.\n    f(2) ➞ 4\n    f(0.5) == 1.0\n    not an example\n    '''\n"
    assert examples_from_prompt(prompt, "f") == [Example("f(2)", "4", 2), Example("f(0.5)", "1.0", 3)]
    assert examples_from_prompt(prompt, "g") == []


def test_generated_module_checks_a_solution(sandbox: Sandbox) -> None:
    examples = examples_from_prompt(PROMPT, "below_zero")[:2]
    module = examples_test_module(examples, "below_zero")
    good = (
        "def below_zero(ops):\n    total = 0\n    for op in ops:\n        total += op\n"
        "        if total < 0:\n            return True\n    return False\n"
    )
    bad = "def below_zero(ops):\n    return False\n"
    assert run_function_tests(sandbox, good, module, limits=Limits(timeout=20)).all_passed
    report = run_function_tests(sandbox, bad, module, limits=Limits(timeout=20))
    assert [t.name for t in report.failures()] == ["test_example_2"]
    assert "False != True" in report.failures()[0].message


def test_float_examples_compare_with_tolerance(sandbox: Sandbox) -> None:
    module = examples_test_module([Example("third(1)", "0.3333333")], "third")
    report = run_function_tests(
        sandbox, "def third(x):\n    return x / 3\n", module, limits=Limits(timeout=20)
    )
    assert report.all_passed, report.failures()


def test_prose_examples_need_literal_arguments() -> None:
    doc = '    """For example:\n    is_happy(a) => False\n    is_happy("abcd") => True\n    """\n'
    prompt = "def is_happy(s):\n" + doc
    assert [e.call for e in examples_from_prompt(prompt, "is_happy")] == ['is_happy("abcd")']
