"""The function-task harness: a candidate solution plus a pytest module, run in the sandbox, checked.

Generated code may try to fake success: exit early with status 0, or patch pytest so everything
passes. The harness therefore (1) derives from the test module's source the test names it expects
and requires an outcome for each and nothing else, and (2) adds two canary tests under random names,
one that must pass and one that must fail. A run whose canaries or names do not check out is
reported with ``problems`` and never counts as passing.
"""

from __future__ import annotations

import ast
import secrets
from collections.abc import Sequence

from sparring.pyparse import parse_module
from sparring.sandbox.types import Limits, Sandbox
from sparring.tools.pytest_runner import run_pytest
from sparring.tools.types import TestCase, TestReport

SOLUTION_MODULE = "solution"


def expected_tests(test_code: str) -> list[str]:
    """Names pytest should report for the module: top-level ``test*`` functions, ``Test*`` methods.

    Returns base names; parametrized cases (``test_x[1]``) match their base name.
    """
    try:
        tree = parse_module(test_code)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            names.append(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names += [
                f.name
                for f in node.body
                if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef) and f.name.startswith("test")
            ]
    return names


def _canaries(nonce: str) -> tuple[str, str, str, str]:
    file = f"test_{nonce}.py"
    good, bad = f"test_ok_{nonce}", f"test_fail_{nonce}"
    code = f"def {good}():\n    assert True\n\n\ndef {bad}():\n    assert False, 'canary'\n"
    return file, good, bad, code


def run_function_tests(
    sandbox: Sandbox,
    solution_code: str,
    test_code: str,
    *,
    limits: Limits | None = None,
    per_test_timeout: float | None = None,
    expected: Sequence[str] | None = None,
) -> TestReport:
    """Write ``solution.py`` and the test module, run pytest in the sandbox, return per-test evidence.

    The test module imports the candidate with ``from solution import ...``. ``expected`` overrides
    the test names derived from ``test_code``.
    """
    # Random file and canary names: code under test cannot single them out by name.
    nonce = secrets.token_hex(6)
    canary_file, good, bad, canary_code = _canaries(nonce)
    test_file = f"test_{secrets.token_hex(6)}.py"
    files = {f"{SOLUTION_MODULE}.py": solution_code, test_file: test_code, canary_file: canary_code}
    raw = run_pytest(
        sandbox,
        [test_file, canary_file],
        files=files,
        limits=limits,
        per_test_timeout=per_test_timeout,
    )
    names = list(expected) if expected is not None else expected_tests(test_code)
    tests = [t for t in raw.tests if t.name not in (good, bad)]
    problems = list(raw.problems)
    problems += _check_canaries(raw.tests, good, bad)
    problems += _check_names(tests, names)
    return TestReport(tuple(tests), raw.execution, tuple(dict.fromkeys(problems)))


def _check_canaries(tests: Sequence[TestCase], good: str, bad: str) -> list[str]:
    by_name = {t.name: t.outcome for t in tests}
    if not tests:
        return []  # already reported: no report at all
    problems = []
    if by_name.get(good) != "passed":
        problems.append(f"harness canary that must pass reported {by_name.get(good, 'nothing')}")
    if by_name.get(bad) != "failed":
        outcome = by_name.get(bad, "nothing")
        problems.append(f"harness canary that must fail reported {outcome}: pytest was tampered with")
    return problems


def _check_names(tests: Sequence[TestCase], expected: Sequence[str]) -> list[str]:
    seen = {t.name.split("[", 1)[0] for t in tests}
    problems = []
    missing = [n for n in expected if n not in seen]
    unexpected = sorted(seen - set(expected)) if expected else []
    if missing:
        problems.append(f"expected tests not reported: {', '.join(missing)}")
    if unexpected:
        problems.append(f"unexpected test outcomes: {', '.join(unexpected)}")
    if not expected:
        problems.append("the test module defines no test functions")
    return problems
