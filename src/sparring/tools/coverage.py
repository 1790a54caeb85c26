"""Line and branch coverage of a pytest run, measured by coverage.py inside the sandbox."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sparring.sandbox.types import Limits, Sandbox
from sparring.tools.pytest_runner import PYTEST_ENV, REPORT, parse_report, pytest_argv
from sparring.tools.types import CoverageReport, TestReport

COVERAGE_JSON = ".sparring-coverage.json"


def run_coverage(
    sandbox: Sandbox,
    targets: Sequence[str] = (".",),
    *,
    source: Sequence[str] = (".",),
    files: Mapping[str, str | bytes] | None = None,
    workdir: str | Path | None = None,
    limits: Limits | None = None,
    omit: Sequence[str] = ("test_*", "*/test_*", "tests/*"),
) -> CoverageReport:
    """Run pytest under ``coverage run --branch`` and report line/branch percentages of ``source``."""
    data_file = "/tmp/.sparring-coverage"
    pytest = pytest_argv(targets)[3:]  # drop "python -m pytest"
    run = ["python", "-m", "coverage", "run", "--branch", f"--data-file={data_file}"]
    run += [f"--source={','.join(source)}", f"--omit={','.join(omit)}", "-m", "pytest", *pytest]
    report = ["python", "-m", "coverage", "json", "-q", f"--data-file={data_file}", "-o", COVERAGE_JSON]
    # One sandbox run for both steps; the exit status is pytest's.
    script = '"$@"; status=$?; ' + " ".join(report) + " >/dev/null 2>&1; exit $status"
    execution = sandbox.run(
        ["sh", "-c", script, "sparring-coverage", *run],
        files=files,
        workdir=workdir,
        limits=limits,
        env=PYTEST_ENV,
        collect=[REPORT, COVERAGE_JSON],
    )
    tests_list, problems = parse_report(execution)
    tests = TestReport(tuple(tests_list), execution, tuple(problems))
    raw = execution.files.get(COVERAGE_JSON)
    data = _load(raw)
    if data is None:
        return CoverageReport(None, None, 0, 0, 0, 0, tests, {}, (*problems, "coverage wrote no JSON report"))
    totals = data.get("totals", {})
    statements, covered = int(totals.get("num_statements", 0)), int(totals.get("covered_lines", 0))
    branches, covered_b = int(totals.get("num_branches", 0)), int(totals.get("covered_branches", 0))
    missing = {
        name: tuple(int(n) for n in info.get("missing_lines", []))
        for name, info in data.get("files", {}).items()
        if isinstance(info, dict)
    }
    return CoverageReport(
        line_percent=100.0 * covered / statements if statements else None,
        branch_percent=100.0 * covered_b / branches if branches else None,
        statements=statements,
        covered_statements=covered,
        branches=branches,
        covered_branches=covered_b,
        tests=tests,
        missing_lines=missing,
        problems=tuple(problems),
    )


def _load(raw: bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None
