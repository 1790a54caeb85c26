"""ruff, mypy, bandit and coverage run for real in the sandbox, parsed into typed findings."""

from __future__ import annotations

import pytest

from sparring.sandbox import Limits, Sandbox
from sparring.tools import run_bandit, run_coverage, run_mypy, run_ruff

LIMITS = Limits(timeout=30)
CODE = {
    "mod.py": (
        "import os\nimport subprocess\n\n\n"
        "def f(x: int) -> str:\n    if x > 0:\n        return x\n"
        "    subprocess.call('ls', shell=True)\n    return 'a'\n"
    ),
    "test_mod.py": "from mod import f\n\n\ndef test_f():\n    assert f(-1) == 'a'\n",
}


def test_ruff_findings(sandbox: Sandbox) -> None:
    report = run_ruff(sandbox, ["mod.py"], files=CODE, limits=LIMITS, select=["F"])
    assert [(f.file, f.line, f.code) for f in report.findings] == [("mod.py", 1, "F401")]
    assert report.findings[0].fixable and not report.clean


def test_mypy_findings(sandbox: Sandbox) -> None:
    report = run_mypy(sandbox, ["mod.py"], files=CODE, limits=LIMITS)
    assert [(f.file, f.line, f.severity, f.code) for f in report.errors] == [
        ("mod.py", 7, "error", "return-value")
    ]
    clean = run_mypy(
        sandbox, ["ok.py"], files={"ok.py": "def g(x: int) -> int:\n    return x\n"}, limits=LIMITS
    )
    assert clean.clean, clean.problems


def test_bandit_findings(sandbox: Sandbox) -> None:
    report = run_bandit(sandbox, ["mod.py"], files=CODE, limits=LIMITS)
    assert {"B602", "B404"} <= {f.test_id for f in report.findings}
    assert all(f.file == "mod.py" for f in report.findings)


def test_coverage_line_and_branch(sandbox: Sandbox) -> None:
    report = run_coverage(sandbox, ["test_mod.py"], files=CODE, limits=LIMITS)
    assert report.tests.passed == 1 and not report.problems
    assert report.missing_lines == {"mod.py": (7,)}
    assert report.line_percent == pytest.approx(100 * 6 / 7)
    assert report.branch_percent == pytest.approx(50.0)
