"""Visible examples from a task prompt (HumanEval-style doctests) turned into a pytest module.

>>> examples_from_prompt("Add one.\\n>>> inc(1)\\n2\\n", "inc")
[Example(call='inc(1)', expected='2', line=1)]
"""

from __future__ import annotations

import ast
import doctest
import re
from dataclasses import dataclass
from typing import Any

_ARROW = re.compile(r"^\s*(?P<call>[A-Za-z_]\w*\(.*\))\s*(?:==>|==|➞|=>|->|→)\s*(?P<want>.+?)\s*$")


@dataclass(frozen=True)
class Example:
    """One visible example: ``call`` evaluates to ``expected`` (both Python expressions)."""

    call: str
    expected: str
    line: int = 0


def _until_quotes(want: str) -> str:
    """doctest keeps a docstring's closing quotes in the expected output when no blank line precedes them."""
    kept = []
    for line in want.splitlines():
        if line.strip().startswith(('"""', "'''")):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _is_expression(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True


def _is_literal(text: str) -> bool:
    try:
        ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def literal_arguments(call: str, entry_point: str) -> tuple[list[Any], dict[str, Any]] | None:
    """The values of ``entry_point(literal, ..., name=literal)``'s arguments, or None for any other
    expression (prose such as ``is_happy(a) => False`` means the string ``'a'``, and running it as
    written would fail every candidate with a NameError)."""
    try:
        node = ast.parse(call.strip(), mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == entry_point):
        return None
    if any(k.arg is None for k in node.keywords):  # a **mapping
        return None
    try:
        args = [ast.literal_eval(a) for a in node.args]
        kwargs = {str(k.arg): ast.literal_eval(k.value) for k in node.keywords}
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return args, kwargs


def _calls(call: str, entry_point: str) -> bool:
    try:
        tree = ast.parse(call, mode="eval")
    except SyntaxError:
        return False
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == entry_point
        for n in ast.walk(tree)
    )


def examples_from_prompt(prompt: str, entry_point: str) -> list[Example]:
    """Examples that call ``entry_point`` and expect a value: doctest ``>>>`` blocks, else ``f(x) ➞ y`` lines.

    Examples whose expected output is not a Python expression (printed text, exceptions) are skipped;
    prose examples (``f(x) ➞ y`` lines) count only when arguments and result are Python literals.
    """
    found: list[Example] = []
    for ex in doctest.DocTestParser().get_examples(prompt):
        call, want = ex.source.strip(), _until_quotes(ex.want)
        if want and _calls(call, entry_point) and _is_expression(want) and not want.startswith("Traceback"):
            found.append(Example(call, want, ex.lineno))
    if found:
        return found
    for lineno, line in enumerate(prompt.splitlines()):
        m = _ARROW.match(line)
        if m and literal_arguments(m["call"], entry_point) is not None and _is_literal(m["want"]):
            found.append(Example(m["call"], m["want"], lineno))
    return found


_HELPER = """

def _same(actual, expected):
    if isinstance(expected, float) or isinstance(actual, float):
        try:
            return math.isclose(actual, expected, rel_tol=1e-6, abs_tol=1e-9)
        except TypeError:
            return False
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        return len(actual) == len(expected) and all(_same(a, e) for a, e in zip(actual, expected))
    return actual == expected
"""


def examples_test_module(examples: list[Example], entry_point: str, module: str = "solution") -> str:
    """A pytest module with one ``test_example_N`` per example, importing ``entry_point`` from ``module``."""
    lines = ["import math", f"from {module} import {entry_point}", _HELPER]
    for i, ex in enumerate(examples, 1):
        lines.append(
            f"\ndef test_example_{i}():\n"
            f"    actual = {ex.call}\n"
            f"    expected = {ex.expected}\n"
            f"    assert _same(actual, expected), f'{{actual!r}} != {{expected!r}}'  # {ex.call}\n"
        )
    return "\n".join(lines)
