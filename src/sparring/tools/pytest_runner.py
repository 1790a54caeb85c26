"""Run pytest inside the sandbox and return per-test outcomes parsed from its JUnit XML report."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from pathlib import Path

from sparring.sandbox.types import Execution, Limits, Sandbox
from sparring.tools.junit import JUnitError, parse_junit
from sparring.tools.types import TestCase, TestReport

REPORT = ".sparring-junit.xml"
_HAS_TIMEOUT_PLUGIN = importlib.util.find_spec("pytest_timeout") is not None


def pytest_argv(
    targets: Sequence[str],
    *,
    report: str = REPORT,
    per_test_timeout: float | None = None,
    python: str = "python",
) -> list[str]:
    """The pytest command line agents' runs use: quiet, no cache, no plugin auto-loading, JUnit XML."""
    argv = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=short", "--no-header"]
    argv += ["-o", "junit_family=xunit2", f"--junitxml={report}"]
    if per_test_timeout and _HAS_TIMEOUT_PLUGIN:
        argv += ["-p", "pytest_timeout", f"--timeout={per_test_timeout:g}"]
    return [*argv, *targets]


# Entry-point plugins are not loaded: they cost startup time and the sandbox has no use for them.
PYTEST_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTEST_ADDOPTS": ""}


def run_pytest(
    sandbox: Sandbox,
    targets: Sequence[str] = (".",),
    *,
    files: Mapping[str, str | bytes] | None = None,
    workdir: str | Path | None = None,
    limits: Limits | None = None,
    per_test_timeout: float | None = None,
    readonly: Sequence[str] = (),
    extra_args: Sequence[str] = (),
    python: str = "python",
    env: Mapping[str, str] | None = None,
) -> TestReport:
    """Run pytest on ``targets`` (workspace-relative) and parse the outcome of every test.

    ``problems`` says when the outcomes cannot be trusted: the run hit a limit, no report was written,
    or the exit code disagrees with the parsed outcomes. ``python`` is the interpreter to run (a
    repository's own environment); ``env`` adds variables to ``PYTEST_ENV``.
    """
    argv = pytest_argv([*extra_args, *targets], per_test_timeout=per_test_timeout, python=python)
    execution = sandbox.run(
        argv,
        files=files,
        workdir=workdir,
        limits=limits,
        env={**PYTEST_ENV, **(env or {})},
        readonly=readonly,
        collect=[REPORT],
    )
    tests, problems = parse_report(execution)
    return TestReport(tuple(tests), execution, tuple(problems))


def parse_report(execution: Execution) -> tuple[list[TestCase], list[str]]:
    """Outcomes from the collected report, and the problems that make them untrustworthy."""
    problems: list[str] = []
    if not execution.ok and execution.verdict.value not in ("ok", "failed"):
        problems.append(f"pytest run ended with {execution.verdict.value}")
    data = execution.files.get(REPORT)
    if data is None:
        problems.append("pytest wrote no JUnit report (the run was killed or exited early)")
        return [], problems
    try:
        tests = parse_junit(data)
    except JUnitError as exc:
        problems.append(f"unreadable JUnit report: {exc}")
        return [], problems
    bad = [t for t in tests if t.outcome in ("failed", "error")]
    code = execution.exit_code
    if code == 0 and bad:
        problems.append(f"pytest exited 0 but {len(bad)} test(s) failed or errored")
    if code not in (0, 1) and not problems:
        problems.append(f"pytest exited {code} (interrupted, usage or collection error)")
    if code == 1 and not bad:
        problems.append("pytest exited 1 but no test failed")
    return tests, problems
