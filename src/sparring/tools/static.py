"""ruff, mypy and bandit run in the sandbox, their output parsed into findings."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sparring.sandbox.types import Execution, Limits, Sandbox
from sparring.tools.types import (
    LintFinding,
    LintReport,
    SecurityFinding,
    SecurityReport,
    TypeFinding,
    TypeReport,
)

_MYPY_LINE = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<sev>error|note|warning): "
    r"(?P<msg>.*?)(?:  \[(?P<code>[\w-]+)\])?$"
)


def _limit_problem(execution: Execution) -> list[str]:
    if execution.verdict.value in ("ok", "failed"):
        return []
    return [f"run ended with {execution.verdict.value}: {execution.stderr.strip()[-300:]}"]


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def run_ruff(
    sandbox: Sandbox,
    targets: Sequence[str] = (".",),
    *,
    files: Mapping[str, str | bytes] | None = None,
    workdir: str | Path | None = None,
    limits: Limits | None = None,
    select: Sequence[str] = (),
) -> LintReport:
    """``ruff check --output-format json``; ``select`` overrides the project's rule selection."""
    argv = ["ruff", "check", "--output-format", "json", "--no-cache", "--exit-zero"]
    if select:
        argv += ["--select", ",".join(select)]
    execution = sandbox.run([*argv, *targets], files=files, workdir=workdir, limits=limits)
    problems = _limit_problem(execution)
    data = _json(execution.stdout)
    if not isinstance(data, list):
        return LintReport((), execution, (*problems, "ruff did not print a JSON list"))
    findings = tuple(
        LintFinding(
            file=_relative(str(d.get("filename", ""))),
            line=int((d.get("location") or {}).get("row", 0)),
            column=int((d.get("location") or {}).get("column", 0)),
            code=str(d.get("code") or ""),
            message=str(d.get("message", "")),
            fixable=d.get("fix") is not None,
        )
        for d in data
        if isinstance(d, dict)
    )
    return LintReport(findings, execution, tuple(problems))


def run_mypy(
    sandbox: Sandbox,
    targets: Sequence[str] = (".",),
    *,
    files: Mapping[str, str | bytes] | None = None,
    workdir: str | Path | None = None,
    limits: Limits | None = None,
    strict: bool = False,
) -> TypeReport:
    """``python -m mypy``, one finding per diagnostic line."""
    argv = ["python", "-m", "mypy", "--no-error-summary", "--show-column-numbers", "--show-error-codes"]
    argv += ["--no-color-output", "--no-pretty", "--cache-dir", "/tmp/.mypy_cache"]
    if strict:
        argv.append("--strict")
    execution = sandbox.run([*argv, *targets], files=files, workdir=workdir, limits=limits)
    problems = _limit_problem(execution)
    findings = []
    for line in execution.stdout.splitlines():
        m = _MYPY_LINE.match(line)
        if m:
            findings.append(
                TypeFinding(
                    file=_relative(m["file"]),
                    line=int(m["line"]),
                    column=int(m["col"] or 0),
                    severity=m["sev"],
                    message=m["msg"],
                    code=m["code"] or "",
                )
            )
    if execution.exit_code not in (0, 1) and not problems:
        problems.append(f"mypy exited {execution.exit_code}: {execution.stderr.strip()[-300:]}")
    if execution.exit_code == 1 and not any(f.severity == "error" for f in findings):
        problems.append("mypy reported failure but printed no parsable error")
    return TypeReport(tuple(findings), execution, tuple(problems))


def run_bandit(
    sandbox: Sandbox,
    targets: Sequence[str] = (".",),
    *,
    files: Mapping[str, str | bytes] | None = None,
    workdir: str | Path | None = None,
    limits: Limits | None = None,
) -> SecurityReport:
    """``python -m bandit -f json -r``: security findings with severity and confidence."""
    argv = ["python", "-m", "bandit", "-f", "json", "-q", "-r", *targets]
    execution = sandbox.run(argv, files=files, workdir=workdir, limits=limits)
    problems = _limit_problem(execution)
    data = _json(execution.stdout)
    if not isinstance(data, dict):
        return SecurityReport((), execution, (*problems, "bandit did not print a JSON report"))
    findings = tuple(
        SecurityFinding(
            file=_relative(str(r.get("filename", ""))),
            line=int(r.get("line_number", 0)),
            test_id=str(r.get("test_id", "")),
            severity=str(r.get("issue_severity", "")),
            confidence=str(r.get("issue_confidence", "")),
            message=str(r.get("issue_text", "")),
        )
        for r in data.get("results", [])
        if isinstance(r, dict)
    )
    return SecurityReport(findings, execution, tuple(problems))


def _relative(path: str) -> str:
    """Workspace-relative path, whatever directory the backend mounted the workspace at."""
    for prefix in ("/workspace/", "./"):
        if path.startswith(prefix):
            return path[len(prefix) :]
    return path
