"""What agents run through the sandbox, with typed results: tests, lint, types, coverage, security.

report = run_function_tests(sandbox, solution_code, test_code)
report.all_passed, report.failures(), report.problems
"""

from __future__ import annotations

from sparring.tools.coverage import run_coverage
from sparring.tools.examples import Example, examples_from_prompt, examples_test_module
from sparring.tools.function_tests import expected_tests, run_function_tests
from sparring.tools.junit import parse_junit
from sparring.tools.pytest_runner import run_pytest
from sparring.tools.static import run_bandit, run_mypy, run_ruff
from sparring.tools.types import (
    CoverageReport,
    LintFinding,
    LintReport,
    Outcome,
    SecurityFinding,
    SecurityReport,
    TestCase,
    TestReport,
    TypeFinding,
    TypeReport,
)

__all__ = [
    "CoverageReport",
    "Example",
    "LintFinding",
    "LintReport",
    "Outcome",
    "SecurityFinding",
    "SecurityReport",
    "TestCase",
    "TestReport",
    "TypeFinding",
    "TypeReport",
    "examples_from_prompt",
    "examples_test_module",
    "expected_tests",
    "parse_junit",
    "run_bandit",
    "run_coverage",
    "run_function_tests",
    "run_mypy",
    "run_pytest",
    "run_ruff",
]
