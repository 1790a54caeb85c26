"""Scoring a repository instance: the workflow's patch, applied in a fresh worktree of the base
commit, with the instance's hidden tests added; resolved iff every FAIL_TO_PASS and PASS_TO_PASS
test passes there, run in the sandbox with the repository's environment and no network."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sparring.bench.instances import RepoInstance
from sparring.errors import TaskError
from sparring.repo.environment import RepoEnvironment
from sparring.repo.testing import TestCommand, node_key, run_tests
from sparring.sandbox import Sandbox, showing
from sparring.workspace import GitError, git, worktree


@dataclass(frozen=True)
class RepoScore:
    resolved: bool
    reason: str = ""
    outcomes: dict[str, str] = field(default_factory=dict)  # node id -> outcome ("missing" if not run)
    seconds: float = 0.0


class PatchRejected(Exception):
    """The patch does not apply at the base commit (with the hidden tests added)."""


def _apply(root: Path, patch: str) -> None:
    git(root, "apply", "--whitespace=nowarn", "-", input=patch if patch.endswith("\n") else patch + "\n")


def outcome_of(node_id: str, outcomes: Mapping[str, str]) -> str:
    """The outcome of one node id; an id without parameters stands for all its parametrized cases
    (passed only if every case passed)."""
    key = node_key(node_id)
    if key in outcomes:
        return outcomes[key]
    cases = [o for k, o in outcomes.items() if k.startswith(key + "[")]
    if not cases:
        return "missing"
    return next((o for o in cases if o != "passed"), "passed")


def instance_outcomes(
    instance: RepoInstance, patch: str, checkout: Path, environment: RepoEnvironment, sandbox: Sandbox
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Outcome per FAIL_TO_PASS and PASS_TO_PASS id with the hidden tests and ``patch`` (may be
    empty) applied at the base commit, and the problems of the run; ``PatchRejected`` if it does
    not apply."""
    with worktree(checkout, instance.base_commit) as wt:
        if instance.test_patch.strip():
            try:
                _apply(wt.path, instance.test_patch)
            except GitError as exc:
                raise TaskError(f"{instance.instance_id}: its test_patch does not apply: {exc}") from None
        if patch.strip():
            try:
                _apply(wt.path, patch)
            except GitError as exc:
                raise PatchRejected(str(exc)) from None
        ids = list(dict.fromkeys(instance.fail_to_pass + instance.pass_to_pass))
        box = showing(sandbox, environment.readonly)
        run = run_tests(box, wt.path, TestCommand(), only=ids, interpreter=environment.interpreter)
    return {i: outcome_of(i, run.outcomes) for i in ids}, run.problems


def score_patch(
    instance: RepoInstance, patch: str, checkout: Path, environment: RepoEnvironment, sandbox: Sandbox
) -> RepoScore:
    """Resolved iff ``patch`` applies and every FAIL_TO_PASS and PASS_TO_PASS test then passes."""
    start = time.monotonic()
    if not patch.strip():
        return RepoScore(False, "no patch")
    try:
        outcomes, problems = instance_outcomes(instance, patch, checkout, environment, sandbox)
    except PatchRejected as exc:
        return RepoScore(False, f"the patch does not apply: {exc}", seconds=time.monotonic() - start)
    bad = [f"{i} {o}" for i, o in outcomes.items() if o != "passed"] or list(problems)
    reason = "; ".join(bad[:3]) + (f" (+{len(bad) - 3} more)" if len(bad) > 3 else "")
    return RepoScore(not bad, reason, outcomes, time.monotonic() - start)
