"""Typed results of the tools agents run through the sandbox: tests, lint, types, coverage, security."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sparring.sandbox.types import Execution, Verdict

Outcome = Literal["passed", "failed", "error", "skipped"]


@dataclass(frozen=True)
class TestCase:
    """One test's evidence. ``name`` is pytest's node name (``test_x`` or ``test_x[param]``)."""

    __test__ = False  # not a pytest test class

    name: str
    outcome: Outcome
    file: str = ""
    message: str = ""
    traceback: str = ""
    duration: float = 0.0


@dataclass(frozen=True)
class TestReport:
    """Per-test outcomes of one pytest run, plus what the harness found wrong with the run itself.

    ``problems`` is non-empty when the parsed outcomes cannot be trusted (no report, tests missing or
    unexpected, the must-fail canary passed, exit code disagreeing): then ``all_passed`` is False.
    """

    __test__ = False

    tests: tuple[TestCase, ...]
    execution: Execution
    problems: tuple[str, ...] = ()

    def count(self, outcome: Outcome) -> int:
        return sum(1 for t in self.tests if t.outcome == outcome)

    @property
    def passed(self) -> int:
        return self.count("passed")

    @property
    def failed(self) -> int:
        return self.count("failed") + self.count("error")

    @property
    def trustworthy(self) -> bool:
        return not self.problems and self.execution.verdict in (Verdict.OK, Verdict.FAILED)

    @property
    def all_passed(self) -> bool:
        return (
            self.trustworthy
            and bool(self.tests)
            and all(t.outcome in ("passed", "skipped") for t in self.tests)
        )

    def failures(self) -> tuple[TestCase, ...]:
        return tuple(t for t in self.tests if t.outcome in ("failed", "error"))


@dataclass(frozen=True)
class LintFinding:
    """One ruff diagnostic."""

    file: str
    line: int
    column: int
    code: str
    message: str
    fixable: bool = False


@dataclass(frozen=True)
class TypeFinding:
    """One mypy diagnostic (``severity`` is ``error`` or ``note``)."""

    file: str
    line: int
    column: int
    severity: str
    message: str
    code: str = ""


@dataclass(frozen=True)
class SecurityFinding:
    """One bandit finding."""

    file: str
    line: int
    test_id: str
    severity: str
    confidence: str
    message: str


@dataclass(frozen=True)
class LintReport:
    findings: tuple[LintFinding, ...]
    execution: Execution
    problems: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.findings and not self.problems


@dataclass(frozen=True)
class TypeReport:
    findings: tuple[TypeFinding, ...]
    execution: Execution
    problems: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[TypeFinding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def clean(self) -> bool:
        return not self.errors and not self.problems


@dataclass(frozen=True)
class SecurityReport:
    findings: tuple[SecurityFinding, ...]
    execution: Execution
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class CoverageReport:
    """Line and branch coverage of one test run (percentages 0-100; ``None`` if not measured)."""

    line_percent: float | None
    branch_percent: float | None
    statements: int
    covered_statements: int
    branches: int
    covered_branches: int
    tests: TestReport
    missing_lines: dict[str, tuple[int, ...]]
    problems: tuple[str, ...] = ()
