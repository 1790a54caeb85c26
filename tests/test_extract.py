"""Code extraction and test-case parsing from free-form model replies."""

from __future__ import annotations

from sparring.evidence import cases_from_asserts, cases_from_prompt
from sparring.extract import solution_from_reply, with_missing_imports

PROMPT = '''from typing import List


def helper(x):
    return x


def total(xs: List[int]) -> int:
    """Sum the list.
    >>> total([1, 2])
    3
    >>> total([])
    0
    """
'''


def test_takes_the_fenced_block_that_defines_the_function_and_keeps_the_prompt_header() -> None:
    reply = "Sure!\n```python\ndef other():\n    pass\n```\nand\n"
    reply += "```python\ndef total(xs):\n    return sum(xs)\n```\n"
    code = solution_from_reply(PROMPT, "total", reply)
    assert "def total(xs):\n    return sum(xs)" in code
    assert code.startswith("from typing import List") and "def helper" in code
    assert "def other" not in code


def test_drops_demo_calls_and_main_blocks() -> None:
    reply = "```python\ndef total(xs):\n    return sum(xs)\n\nprint(total([1]))\nassert total([]) == 0\n"
    reply += "if __name__ == '__main__':\n    total([2])\n```"
    code = solution_from_reply(PROMPT, "total", reply)
    assert "print(" not in code and "__main__" not in code and "assert" not in code
    compile(code, "solution.py", "exec")


def test_a_bare_body_is_grafted_onto_the_signature() -> None:
    code = solution_from_reply(PROMPT, "total", "    return sum(xs)\n")
    namespace: dict[str, object] = {}
    exec(code, namespace)
    assert namespace["total"]([1, 2, 3]) == 6  # type: ignore[operator]


def test_unlabelled_and_unterminated_fences() -> None:
    code = solution_from_reply(PROMPT, "total", "```\ndef total(xs):\n    return 0\n")
    assert "return 0" in code


def test_examples_from_the_prompt_become_trusted_cases() -> None:
    cases = cases_from_prompt(PROMPT, "total")
    assert [(c.call, c.expected, c.origin) for c in cases] == [
        ("total([1, 2])", "3", "prompt"),
        ("total([])", "0", "prompt"),
    ]


def test_arrow_style_examples() -> None:
    prompt = 'def f(x):\n    """\n    f(2) ==> 4\n    f(3) ➞ 9\n    """\n'
    assert [(c.call, c.expected) for c in cases_from_prompt(prompt, "f")] == [("f(2)", "4"), ("f(3)", "9")]


def test_generated_asserts_are_parsed_and_junk_ignored() -> None:
    text = "```python\nassert total([1]) == 1\nassert 2 == total([2])\nassert total([1]) == 1\nprint('x')\n"
    text += "assert other(1) == 2\nassert total([3]) > 0\nassert total(\n```"
    cases = cases_from_asserts(text, "total")
    assert [(c.call, c.expected) for c in cases] == [("total([1])", "1"), ("total([2])", "2")]


def test_a_rigged_eq_does_not_pass_and_late_output_does_not_break_the_probe() -> None:
    from sparring.evidence import Case, run_cases
    from sparring.sandbox import open_sandbox

    rigged = "class Any:\n    def __eq__(self, other):\n        return True\n\ndef f(x):\n    return Any()\n"
    ev = run_cases(open_sandbox(), rigged, [Case(call="f(1)", expected="2", origin="prompt")])
    assert ev.load_error is None and ev.outcomes[0].passed is False
    noisy = "import atexit\natexit.register(print, '{oops')\n\ndef f(x):\n    return x + 1\n"
    ev = run_cases(open_sandbox(), noisy, [Case(call="f(1)", expected="2", origin="prompt")])
    assert ev.load_error is None and ev.outcomes[0].passed is True


def test_a_one_line_prompt_with_a_dot_is_a_prompt_not_a_path() -> None:
    from sparring.tasks import load_task

    task = load_task("def add(a, b): '''Add a and b.'''")
    assert task.entry_point == "add"


def test_bodies_fences_with_file_names_and_setup_lines_survive() -> None:
    body = "for x in xs:\n    if x:\n        return x\nreturn 0\n"
    code = solution_from_reply(PROMPT, "total", body)
    compile(code, "solution.py", "exec")
    named = "```python solution.py\ndef total(xs):\n    return 7\n```\nDone."
    assert "return 7" in solution_from_reply(PROMPT, "total", named)
    setup = "```python\nimport sys\nsys.setrecursionlimit(10000)\n"
    setup += "try:\n    from math import prod\nexcept ImportError:\n"
    setup += "    prod = None\n\ndef total(xs):\n    return sum(xs)\n\nprint(total([1]))\n```"
    kept = solution_from_reply(PROMPT, "total", setup)
    assert "setrecursionlimit" in kept and "from math import prod" in kept and "print(" not in kept


def test_a_standard_module_used_without_an_import_is_imported() -> None:
    # A reply continued from the prompt's signature cannot put ``import itertools`` above it.
    prompt = 'from typing import List\n\ndef pairs(xs: List[int]) -> List[tuple]:\n    """All pairs."""\n'
    reply = "    return list(itertools.combinations(xs, 2))\n"
    code = solution_from_reply(prompt, "pairs", reply)
    namespace: dict[str, object] = {}
    exec(code, namespace)
    assert namespace["pairs"]([1, 2, 3]) == [(1, 2), (1, 3), (2, 3)]  # type: ignore[operator]


def test_names_already_bound_are_not_imported_again() -> None:
    assert with_missing_imports("def f(re):\n    return re.x\n") == "def f(re):\n    return re.x\n"
    already = "import math as math\ndef f():\n    return math.pi\n"
    assert with_missing_imports(already) == already
    future = "from __future__ import annotations\ndef f():\n    return math.pi\n"
    assert with_missing_imports(future).splitlines()[:2] == [
        "from __future__ import annotations",
        "import math",
    ]
