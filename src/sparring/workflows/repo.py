"""``repo``: an issue in a real repository, fixed test-first in an isolated worktree.

baseline (existing tests at the base commit) → retrieve (repo map, search, callers) → reproduce
(a test that must fail at the base) → edit (strict edits; repaired when they do not apply; refused
when they weaken a test) → check (reproduction + existing tests in the sandbox) → edit ... until the
reproduction passes and nothing that passed before fails, or a cap stops it. The patch is the diff
of the worktree against the base commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sparring.errors import ConfigError
from sparring.graph import END, Graph
from sparring.guards import Limits
from sparring.llm import Budget, Meter, Model
from sparring.repo.environment import RepoEnvironment, repo_environment
from sparring.repo.steps import RepoState, RepoTeam, baseline, check, edit, reproduce, retrieve
from sparring.repo.testing import TestCommand
from sparring.roles import load_roles
from sparring.sandbox import showing
from sparring.store import RunStore
from sparring.workflows import RoleModels, TeamConfig, repo_single, usage_of
from sparring.workspace import worktree

_SETTINGS = {"max_rounds", "edit_repairs", "repro_attempts", "map_tokens", "file_chars", "prompt_tokens"}


def build(team: RepoTeam) -> Graph[RepoState]:
    def after_reproduce(s: RepoState) -> tuple[str, str]:
        if s.reproduced:
            return "edit", "the test fails at the base commit"
        if s.repro_attempts < team.repro_attempts:
            return "reproduce", "the test does not reproduce the issue"
        return END, "could not reproduce the issue"

    def after_edit(s: RepoState) -> tuple[str, str]:
        if s.applied:
            return "check", "edits applied"
        if s.edit_attempts <= team.edit_repairs:
            return "edit", "edits refused or not applicable; repair"
        return END, "edits never applied"

    def after_check(s: RepoState) -> tuple[str, str]:
        if s.passed:
            return END, "reproduction passes and no test broke"
        if s.round < team.max_rounds:
            return "edit", "tests do not accept the change"
        return END, f"tests still reject the change after {team.max_rounds} rounds"

    return Graph(
        name="repo",
        state=RepoState,
        start="baseline",
        nodes={
            "baseline": baseline,
            "retrieve": retrieve(team),
            "reproduce": reproduce(team),
            "edit": edit(team),
            "check": check,
        },
        edges={
            "baseline": "retrieve",
            "retrieve": "reproduce",
            "reproduce": after_reproduce,
            "edit": after_edit,
            "check": after_check,
        },
        watch={"edit": lambda s: s.last_reply},
        rounds=lambda s: s.round,
        verdict=lambda s: s.passed,
    )


REPO_WORKFLOWS: dict[str, Callable[[RepoTeam], Graph[RepoState]]] = {
    "repo": build,
    "single": repo_single.build,
}
UNTESTED = {"single"}  # workflows that run no test: an applied patch is "unverified", not "passed"


def check_repo_workflow(name: str) -> None:
    if name not in REPO_WORKFLOWS:
        choices = ", ".join(sorted(REPO_WORKFLOWS))
        raise ConfigError(f"unknown repository workflow {name!r}; choose from {choices}")


@dataclass(frozen=True)
class RepoResult:
    """What a repository solve produces; ``patch`` applies with ``git apply`` at ``base``."""

    run_id: str
    verdict: str
    stop_reason: str | None
    patch: str
    files_changed: list[str]
    base: str
    evidence: dict[str, Any]
    usage: dict[str, Any]
    workflow: str = "repo"

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "workflow": self.workflow,
            "verdict": self.verdict,
            "stop_reason": self.stop_reason,
            "patch": self.patch,
            "files_changed": self.files_changed,
            "base": self.base,
            "evidence": self.evidence,
            "usage": self.usage,
        }


def team_of(config: TeamConfig) -> RepoTeam:
    settings = {k: v for k, v in config.settings.items() if k in _SETTINGS}
    return RepoTeam(roles=load_roles(config.role_dirs), **settings)


def solve_repo(
    repo: str | Path,
    issue: str,
    config: TeamConfig,
    *,
    store: RunStore,
    sandbox: Any,
    base: str = "HEAD",
    test_cmd: str | None = None,
    budget: Budget | None = None,
    wall_clock_s: float | None = None,
    models: Callable[[str], Model] | None = None,
    workflow: str = "repo",
    environment: RepoEnvironment | None = None,
    own_environment: bool = False,
) -> RepoResult:
    """Fix ``issue`` in the repository at ``repo`` (at ``base``) in a throwaway worktree, with the
    workflow named ``workflow``. Tests run with ``environment``, or with the repository's cached
    environment when ``own_environment`` (built now if needed), else with sparring's interpreter."""
    check_repo_workflow(workflow)
    team = team_of(config)
    TestCommand.parse(test_cmd)  # a bad command line is the user's mistake, before any work starts
    started = time.monotonic()
    with worktree(repo, base) as wt:
        if own_environment and environment is None:
            environment = repo_environment(wt.path, wt.repo.name)
        state = RepoState(
            repo=str(wt.repo), worktree=str(wt.path), base=wt.base, issue=issue, test_cmd=test_cmd or ""
        )
        if environment is not None:
            sandbox = showing(sandbox, environment.readonly)
            python = environment.interpreter
            state = state.model_copy(update={"python": python.python, "pythonpath": list(python.pythonpath)})
        run = REPO_WORKFLOWS[workflow](team).run(
            state,
            store=store,
            task=issue,
            config={
                "team": config.as_dict(),
                "repo": str(wt.repo),
                "base": wt.base,
                "test_cmd": test_cmd or "",
                "workflow": workflow,
            },
            limits=Limits(max_rounds=team.max_rounds + 1, wall_clock_s=wall_clock_s),
            models=models or RoleModels(config, Meter(budget)),
            sandbox=sandbox,
        )
        s = run.state
        patch = wt.diff(s.touched) if s.touched else ""
        changed = wt.changed_files(s.touched)
    stopped = run.reason if run.reason.startswith("stopped:") else None
    verdict = stopped or run.status
    if verdict == "passed" and workflow in UNTESTED:
        verdict = "unverified"  # the edits applied; no test said anything
    evidence = {
        "reproduced": s.reproduced,
        "repro_test": s.repro_path if s.reproduced else "",
        "baseline": {"tests": len(s.baseline), "passed": sum(o == "passed" for o in s.baseline.values())},
        "broken": s.broken,
        "rounds": s.round + 1,
        "files": s.files,
        "feedback": s.feedback,
        "python": s.python,  # the interpreter the tests ran with (a cached repository environment's)
    }
    return RepoResult(
        run.run_id,
        verdict,
        stopped,
        patch,
        changed,
        s.base,
        evidence,
        usage_of(store, run.run_id, time.monotonic() - started),
        workflow,
    )
