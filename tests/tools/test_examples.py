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


def _read(prompt: str, entry_point: str) -> list[tuple[str, str]]:
    return [(e.call, e.expected) for e in examples_from_prompt(prompt, entry_point)]


def test_doctest_comparisons_without_an_output_line() -> None:
    prompt = (
        'def sign(xs):\n    """\n    >>> sign([1, -4]) == -1\n    >>> sign([]) == None\n'
        '    >>> sign([2]) [1]\n    """\n'
    )
    assert _read(prompt, "sign") == [("sign([1, -4])", "-1"), ("sign([])", "None")]


def test_prose_results_with_words_comments_and_explanations() -> None:
    prompt = (
        "def check(name, n=1):\n    '''\n"
        "    * check('a.txt') => true\n"
        "    check('1.dll') # => 'No' (the name should start with a letter)\n"
        "    check('b', 2) returns [1, 5] # the odd ones\n"
        "    check('c', 3) should return 16.\n"
        "    check('d', 4) -> 4 - 1 - 2 = 1\n"
        "    for check('e', 5) == 5\n"
        "    check(x) => False\n"
        "    '''\n"
    )
    assert _read(prompt, "check") == [
        ("check('a.txt')", "True"),
        ("check('1.dll')", "'No'"),
        ("check('b', 2)", "[1, 5]"),
        ("check('c', 3)", "16"),
        ("check('d', 4)", "1"),
        ("check('e', 5)", "5"),
    ]


def test_input_output_blocks_and_for_sentences_map_named_values_to_parameters() -> None:
    prompt = (
        "def top(arr, k):\n    '''\n"
        "    Example 1:\n        Input: k = 2, arr = [4, -4, 4]\n        Output: [4, 4]\n"
        "    Example 2:\n        Input: arr = [1], k = 1\n"
        "        Explanation: one\n        Output: 1 # only\n"
        "    For arr = [3, 1], k = 1, the output should be [3].\n"
        "    For lst = [3], k = 1 the output should be 3\n"  # not a parameter: not an example
        "    '''\n"
    )
    assert _read(prompt, "top") == [
        ("top([4, -4, 4], 2)", "[4, 4]"),
        ("top([1], 1)", "1"),
        ("top([3, 1], 1)", "[3]"),
    ]


def test_equals_lines_of_a_recurrence_are_not_results() -> None:
    recurrence = (
        "def tri(n):\n    '''\n    tri(1) = 3\n    tri(4) = 3\n    tri(3) = tri(2) + tri(1) + tri(4)\n"
        "    tri(3) = [1, 3, 2, 8]\n    tri(2) -> [1, 3, 2]\n    '''\n"
    )
    assert _read(recurrence, "tri") == [("tri(2)", "[1, 3, 2]")]
    plain = "def choose(x, y):\n    '''\n    choose(12, 15) = 14\n    choose(13, 12) = -1\n    '''\n"
    assert _read(plain, "choose") == [("choose(12, 15)", "14"), ("choose(13, 12)", "-1")]


def test_arguments_must_bind_to_the_signature() -> None:
    prompt = (
        "def window(nums, k, step=1):\n    '''\n"
        "    Input: nums = [1, 2, 3]\n        k = 2\n    Output: 5\n"  # k on its own line: not read
        "    Input: 3, 4 (a and b)\n    Output: 7\n"  # only '3' reads as arguments: k missing
        "    Input: k = 2\n    Output: 2\n"  # nums missing
        "    Input: nums = [1], step = 2\n    Output: 1\n"  # k skipped
        "    Input: nums = [4], k = 1, step = 1\n    Output: 4\n"
        "    '''\n"
    )
    assert _read(prompt, "window") == [("window([4], 1, 1)", "4")]
    unparsed = "def window(nums, k)\n    Input: k = 2, nums = [4, 1]\n    Output: 4\n"
    assert _read(unparsed, "window") == []


def test_only_the_entry_points_docstring_is_read() -> None:
    prompt = (
        "def is_prime(n):\n    '''\n    Input: n = 4\n    Output: False\n    '''\n\n"
        "def count_primes(n):\n    '''Count primes below n.\n"
        "    count_primes(20) returns 8, since there are 8 primes below n=20\n    '''\n"
    )
    assert _read(prompt, "count_primes") == [("count_primes(20)", "8")]


def test_results_that_are_elided_remarks_or_formulas_are_not_read() -> None:
    prompt = (
        "def fib(n):\n    '''\n"
        "    fib(100) -> [0, 1, 1, 2, ...]\n"
        "    fib(4) should return an empty list when n = 0\n"
        "    fib(5) -> 2 and fib(6) == 4\n"
        "    assert fib(1) == 2, 'one'\n"
        "    Example: fib(2) -> [0, 1]\n"
        "    '''\n"
    )
    assert _read(prompt, "fib") == [("fib(2)", "[0, 1]")]
    recurrence = (
        "def tri(n):\n    '''\n    tri(0) = 1\n    tri(1) = 3\n    tri(n) = tri(n - 1) + 1\n    '''\n"
    )
    assert _read(recurrence, "tri") == []
