"""Running a repository's tests in the sandbox: per-test outcomes before and after a change.

The worktree is the sandbox's workspace (no network; ``.git`` read-only). A pytest command gets
JUnit reporting, so outcomes are per test id; any other command is one pseudo-test, passed when it
exits 0. Python inside the sandbox is the interpreter sparring runs on, or a repository's cached
virtual environment (``sparring.repo.environment``), named by an ``Interpreter``.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sparring.errors import ConfigError
from sparring.sandbox import Limits, Sandbox
from sparring.tools import run_pytest
from sparring.tools.pytest_runner import PYTEST_ENV, REPORT

REPO_LIMITS = Limits(timeout=120, memory=1024 * 2**20, pids=128, disk=256 * 2**20)


@dataclass(frozen=True)
class TestCommand:
    """How a repository runs its tests; ``pytest_args`` is None for a command that is not pytest."""

    __test__ = False

    argv: tuple[str, ...] = ("python", "-m", "pytest")
    pytest_args: tuple[str, ...] | None = ()

    @staticmethod
    def parse(cmd: str | None) -> TestCommand:
        if not cmd or not cmd.strip():
            return TestCommand()
        try:
            argv = tuple(shlex.split(cmd))
        except ValueError as exc:
            raise ConfigError(f"--test-cmd is not a valid command line: {exc}") from None
        if argv[0] == "pytest":
            return TestCommand(argv, argv[1:])
        if argv[:3] in (("python", "-m", "pytest"), ("python3", "-m", "pytest")):
            return TestCommand(argv, argv[3:])
        return TestCommand(argv, None)


@dataclass(frozen=True)
class Interpreter:
    """The Python that runs a repository's tests, and the workspace-relative import roots it adds."""

    python: str = "python"
    pythonpath: tuple[str, ...] = ()  # e.g. ("src",) for a src layout, as an editable install would

    def env(self) -> dict[str, str]:
        # A fixed hash seed: ids of tests parametrized over a set must be the same in every run.
        env = {"PYTHONHASHSEED": "0"}
        return env | ({"PYTHONPATH": ":".join(self.pythonpath)} if self.pythonpath else {})

    def argv(self, argv: Sequence[str]) -> list[str]:
        """``argv`` with a leading ``python``/``python3`` replaced by this interpreter."""
        head, *rest = argv
        return [self.python if head in ("python", "python3") else head, *rest]


def node_key(node_id: str) -> str:
    """A pytest node id (``tests/test_a.py::TestX::test_y[1]``) as the outcome keys of ``run_tests``
    spell it (JUnit's ``tests.test_a.TestX::test_y[1]``)."""
    path, *parts = node_id.split("::")
    if not parts:
        return node_id
    module = path.removesuffix(".py").replace("/", ".")
    return ".".join([module, *parts[:-1]]) + "::" + parts[-1]


@dataclass(frozen=True)
class SuiteRun:
    """Outcome per test id, and why the run cannot be trusted (if it cannot)."""

    outcomes: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    messages: dict[str, str] = field(default_factory=dict)
    exit_code: int | None = None
    output: str = ""

    def failing(self) -> list[str]:
        return [t for t, o in self.outcomes.items() if o in ("failed", "error")]


def run_tests(
    sandbox: Sandbox,
    root: Path,
    command: TestCommand,
    *,
    only: Sequence[str] = (),
    ignore: Sequence[str] = (),
    limits: Limits = REPO_LIMITS,
    interpreter: Interpreter = Interpreter(),
) -> SuiteRun:
    """Run ``command`` (or pytest on just the files or test ids in ``only``) in the worktree at ``root``."""
    if command.pytest_args is None and not only:
        argv, env = interpreter.argv(command.argv), {**PYTEST_ENV, **interpreter.env()}
        ex = sandbox.run(argv, workdir=root, limits=limits, env=env, readonly=[".git"])
        outcome = "passed" if ex.verdict.value == "ok" else "failed"
        problems = () if ex.verdict.value in ("ok", "failed") else (f"test command ended with {ex.verdict}",)
        tail = (ex.stdout + ex.stderr)[-2000:]
        return SuiteRun({"<test-cmd>": outcome}, problems, {"<test-cmd>": tail}, ex.exit_code, tail)
    targets = list(only) or list(command.pytest_args or ()) or ["."]
    extra = [f"--ignore={p}" for p in ignore]
    report = run_pytest(
        sandbox,
        targets,
        workdir=root,
        limits=limits,
        readonly=[".git"],
        extra_args=extra,
        python=interpreter.python,
        env=interpreter.env(),
    )
    with contextlib.suppress(OSError):  # read already; left behind it would be a file of the worktree
        (root / REPORT).unlink(missing_ok=True)
    outcomes: dict[str, str] = {f"{t.file}::{t.name}": t.outcome for t in report.tests}
    messages = {f"{t.file}::{t.name}": (t.message + "\n" + t.traceback).strip()[-1500:] for t in report.tests}
    ex = report.execution
    return SuiteRun(outcomes, report.problems, messages, ex.exit_code, (ex.stdout + ex.stderr)[-2000:])
