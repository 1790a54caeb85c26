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

from sparring.pyparse import literal, parse_expression, parse_module


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
        parse_expression(text)
    except SyntaxError:
        return False
    return True


def _is_literal(text: str) -> bool:
    try:
        literal(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def literal_arguments(call: str, entry_point: str) -> tuple[list[Any], dict[str, Any]] | None:
    """The values of ``entry_point(literal, ..., name=literal)``'s arguments, or None for any other
    expression (prose such as ``is_happy(a) => False`` means the string ``'a'``, and running it as
    written would fail every candidate with a NameError)."""
    try:
        node = parse_expression(call.strip()).body
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
        tree = parse_expression(call)
    except SyntaxError:
        return False
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == entry_point
        for n in ast.walk(tree)
    )


def examples_from_prompt(prompt: str, entry_point: str) -> list[Example]:
    """Examples that call ``entry_point`` and expect a value: doctest ``>>>`` blocks (an output line,
    or ``>>> f(x) == y``), else the prose styles docstrings use (see ``_prose_examples``).

    Examples whose expected output is not a Python expression (printed text, exceptions) are skipped;
    prose examples count only when arguments and result are Python literals.
    """
    found: list[Example] = []
    for ex in doctest.DocTestParser().get_examples(prompt):
        call, want = ex.source.strip(), _until_quotes(ex.want)
        if not want:
            call, want = _split_comparison(call)
            want = want if _is_literal(want) else ""
        if want and _calls(call, entry_point) and _is_expression(want) and not want.startswith("Traceback"):
            found.append(Example(call, want, ex.lineno))
    return found or _prose_examples(prompt, entry_point)


def _split_comparison(source: str) -> tuple[str, str]:
    """``f(x) == y`` as (``f(x)``, ``y``); anything else as (source, "")."""
    try:
        node = parse_expression(source).body
    except SyntaxError:
        return source, ""
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
        left = ast.get_source_segment(source, node.left)
        right = ast.get_source_segment(source, node.comparators[0])
        if left and right:
            return left, right
    return source, ""


# What separates a call from its result in prose: ``f(x) ➞ y``, ``f(x) returns y``, ``f(x) # => y``...
_SEPARATOR = re.compile(
    r"^\s*(?P<sep>==>|==|➞|=>|->|→|#\s*(?:=>|->|returns?)|should\s+return|returns?|=)\s*(?P<want>\S.*)$"
)
_BULLET = re.compile(r"^\s*(?:(?:[*\-•]|for|assert|e\.g\.,?|example:)\s+)?", re.IGNORECASE)
_DEFINITION = re.compile(r"^[A-Za-z_]\w*\([^)]*\)\s*=(?!=)")  # ``f(n) = ...``: a formula, not a result
_WORKED = re.compile(r"^[\d\s+\-*/%().]+$")  # the arithmetic of a worked result (``19 - 5 - 6``)
_INPUT = re.compile(r"^\s*Input\s*:\s*(?P<args>\S.*)$", re.IGNORECASE)
_OUTPUT = re.compile(r"^\s*Output\s*:\s*(?P<want>\S.*)$", re.IGNORECASE)
_FOR = re.compile(
    r"^\s*For\s+(?P<args>.+?),?\s+the\s+(?:output|result)\s+(?:should|will)\s+be\s*:?\s+(?P<want>\S.*)$",
    re.IGNORECASE,
)
_WORDS = {"true": "True", "false": "False", "none": "None", "null": "None"}


def _prose_examples(prompt: str, entry_point: str) -> list[Example]:
    """Examples written as prose, the styles found in docstrings:

    - ``f(x) ➞ y`` (also ``==>``, ``==``, ``=>``, ``->``, ``=``, ``returns``, ``should return``,
      ``# => y``), optionally after a bullet, ``for`` or ``assert``;
    - ``Input: x`` (or ``a = x, b = y``) followed within three lines by ``Output: y``;
    - ``For a = x, b = y the output should be z``.

    Only the entry point's own docstring is read when the prompt parses (a helper's examples are the
    helper's). Arguments must be literals that bind to the signature (named ones to its parameters,
    none missing); a result may carry a trailing comment or explanation (``'No' (the name ...)``,
    ``[1, 5] # ...``, a worked ``5 - 2 = 3``). A plain ``=`` reads as a result only when no
    ``f(...) = ...`` line is a formula: beside ``tri(n) = ...`` or ``tri(3) = tri(2) + tri(1)`` the
    ``=`` lines state a recurrence (``tri(4) = 3``), not what the function returns.
    """
    signature = _signature(prompt, entry_point)
    lines = prompt.splitlines()
    first, last = signature.docstring if signature else (0, len(lines))
    found: list[tuple[Example, bool]] = []  # (example, written with a plain "=")
    equation = False  # some "f(...) = expression" line that is not a literal result
    pending: tuple[str, int] | None = None  # an Input line's call awaiting its Output line
    for lineno, raw in enumerate(lines[first:last], first):
        line = raw[_BULLET.match(raw).end() :]  # type: ignore[union-attr]  # the pattern matches anything
        if m := _INPUT.match(line):
            call = _call_from_arguments(m["args"], entry_point, signature)
            pending = (call, lineno) if call else None
        elif (m := _OUTPUT.match(line)) and pending and lineno - pending[1] <= 3:
            if (want := _result(m["want"])) is not None:
                found.append((Example(pending[0], want, pending[1]), False))
            pending = None
        elif m := _FOR.match(raw):
            call = _call_from_arguments(m["args"], entry_point, signature)
            if call and (want := _result(m["want"])) is not None:
                found.append((Example(call, want, lineno), False))
        elif line.startswith(entry_point + "(") and (parsed := _call_line(line, entry_point)):
            call, separator, rest = parsed
            plain = separator == "="
            want = (rest if _is_literal(rest) else None) if plain else _result(rest)
            equation |= plain and want is None
            if want is not None:
                found.append((Example(call, want, lineno), plain))
        elif line.startswith(entry_point + "(") and _DEFINITION.match(line):
            equation = True
    return [e for e, plain in found if not (plain and equation)]


def _call_line(line: str, entry_point: str) -> tuple[str, str, str] | None:
    """``f(literals) <separator> rest`` at the start of ``line`` as (call, separator, rest)."""
    for end in (i for i, ch in enumerate(line) if ch == ")"):
        call = line[: end + 1]
        if literal_arguments(call, entry_point) is None:
            continue
        m = _SEPARATOR.match(line[end + 1 :])
        return (call, m["sep"], m["want"].strip()) if m else None
    return None


def _result(text: str) -> str | None:
    """The literal a prose result starts with, without its trailing comment, explanation or full stop;
    in a worked sum (``19 - 5 - 6 = 8``) the value after the last ``=``. Not an elided value
    (``[0, 1, ...]``) nor a bare tuple (``2, "why"`` is a value and a remark)."""
    text = text.strip()
    tries = [text, text.split(" #")[0], re.split(r"\s\(", text)[0], re.split(r",\s+(?=[A-Za-z])", text)[0]]
    worked, _, value = text.rpartition("=")
    if _WORKED.match(worked):
        tries.append(value)
    for t in tries:
        t = t.strip().rstrip(".").strip()
        t = _WORDS.get(t.lower(), t)
        if not (t and _is_literal(t)) or "..." in t or "…" in t:
            continue
        node = parse_expression(t).body
        if isinstance(node, ast.Tuple) and not t.startswith("("):
            return None
        return ast.get_source_segment(t, node)  # without a comment
    return None


def _call_from_arguments(text: str, entry_point: str, signature: _Signature | None) -> str | None:
    """``x`` or ``a = x, b = y`` (prose, possibly followed by more prose after a comma) as a call of
    ``entry_point`` with those literal values, if they bind to its signature: every required
    parameter given, named values in the order of the parameters, none skipped before a later one.
    Without a signature only positional values are taken."""
    pieces = text.strip().rstrip(",").split(",")
    for n in range(len(pieces), 0, -1):  # the longest leading part that reads as arguments
        parsed = literal_arguments(f"{entry_point}({','.join(pieces[:n])})", entry_point)
        if parsed is None:
            continue
        args, kwargs = parsed
        if kwargs:
            if args or signature is None or set(kwargs) != set(signature.params[: len(kwargs)]):
                return None
            args = [kwargs[name] for name in signature.params[: len(kwargs)]]
        if signature and not signature.required <= len(args) <= len(signature.params):
            return None
        return f"{entry_point}({', '.join(repr(a) for a in args)})"
    return None


@dataclass(frozen=True)
class _Signature:
    params: list[str]  # positional parameters, in order
    required: int  # how many of them have no default
    docstring: tuple[int, int]  # its docstring's lines (0-based, end exclusive); all if it has none


def _signature(prompt: str, entry_point: str) -> _Signature | None:
    """``entry_point``'s positional parameters and docstring lines, if the prompt parses."""
    try:
        tree = parse_module(prompt)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry_point:
            params = [a.arg for a in node.args.posonlyargs + node.args.args]
            doc = node.body[0]
            documented = isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)
            lines = (doc.lineno - 1, doc.end_lineno or doc.lineno) if documented else (0, len(prompt))
            return _Signature(params, len(params) - len(node.args.defaults), lines)
    return None


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
