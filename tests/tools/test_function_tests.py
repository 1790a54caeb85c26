"""The function-task harness against real pytest runs, including code that tries to fake success."""

from __future__ import annotations

import pytest

from sparring.sandbox import Limits, Sandbox, Verdict
from sparring.tools import expected_tests, run_function_tests

SOLUTION = "def add(a, b):\n    return a + b\n"
TESTS = (
    "import pytest\nfrom solution import add\n\n"
    "def test_small():\n    assert add(1, 2) == 3\n\n"
    "@pytest.mark.parametrize('x', [1, 2])\ndef test_identity(x):\n    assert add(x, 0) == x\n\n"
    "class TestMore:\n    def test_negative(self):\n        assert add(-1, -1) == -2\n"
)
LIMITS = Limits(timeout=20)


def test_expected_names_come_from_the_source() -> None:
    assert expected_tests(TESTS) == ["test_small", "test_identity", "test_negative"]
    assert expected_tests("def broken(:") == []


def test_correct_solution_passes_with_per_test_evidence(sandbox: Sandbox) -> None:
    report = run_function_tests(sandbox, SOLUTION, TESTS, limits=LIMITS)
    assert report.all_passed, report.problems
    assert sorted(t.name for t in report.tests) == [
        "test_identity[1]",
        "test_identity[2]",
        "test_negative",
        "test_small",
    ]


def test_wrong_solution_fails_with_message_and_traceback(sandbox: Sandbox) -> None:
    report = run_function_tests(sandbox, "def add(a, b):\n    return a - b\n", TESTS, limits=LIMITS)
    assert not report.all_passed and report.trustworthy
    failed = {t.name: t for t in report.failures()}
    assert set(failed) == {"test_small", "test_negative"}
    assert "assert -1 == 3" in failed["test_small"].message
    assert "add(1, 2)" in failed["test_small"].traceback


def test_import_error_is_evidence_not_a_crash(sandbox: Sandbox) -> None:
    report = run_function_tests(sandbox, "def add(a, b)\n    return a\n", TESTS, limits=LIMITS)
    assert not report.all_passed
    assert any("SyntaxError" in (t.message + t.traceback) for t in report.tests) or report.problems


@pytest.mark.parametrize(
    ("name", "solution"),
    [
        ("sys_exit_0", "import sys\nsys.exit(0)\n"),
        ("os_exit_0", "import os\nos._exit(0)\n"),
        (
            "pytest_patched_to_pass",
            "import _pytest.runner as r\n_orig = r.call_and_report\n"
            "def _always_pass(item, when, log=True, **kw):\n"
            "    rep = _orig(item, when, log=False, **kw)\n"
            "    rep.outcome = 'passed'\n    rep.longrepr = None\n"
            "    if log:\n        item.ihook.pytest_runtest_logreport(report=rep)\n    return rep\n"
            "r.call_and_report = _always_pass\n\ndef add(a, b):\n    return 0\n",
        ),
        (
            "every_test_body_skipped",
            "import _pytest.python as p\np.Function.runtest = lambda self: None\n\n"
            "def add(a, b):\n    return 0\n",
        ),
    ],
)
def test_faked_success_is_caught(sandbox: Sandbox, name: str, solution: str) -> None:
    report = run_function_tests(sandbox, solution, TESTS, limits=LIMITS)
    assert not report.all_passed, f"{name} passed the harness"
    assert report.problems, name


def test_hung_test_is_reported_not_the_whole_run_lost(sandbox: Sandbox) -> None:
    tests = TESTS + "\ndef test_hangs():\n    import time\n    time.sleep(60)\n"
    report = run_function_tests(sandbox, SOLUTION, tests, limits=LIMITS, per_test_timeout=1)
    outcomes = {t.name: t.outcome for t in report.tests}
    assert outcomes["test_hangs"] == "failed" and outcomes["test_small"] == "passed"
    assert report.execution.verdict is Verdict.FAILED


def test_run_over_the_deadline_is_untrustworthy(sandbox: Sandbox) -> None:
    tests = "from solution import add\n\ndef test_hangs():\n    import time\n    time.sleep(60)\n"
    report = run_function_tests(sandbox, SOLUTION, tests, limits=Limits(timeout=2))
    assert report.execution.verdict is Verdict.TIMEOUT
    assert not report.all_passed and report.problems
