"""``run_repo_benchmark``: repository workflows on SWE-bench-style instances, scored once each.

Per instance: the repository is cloned into the cache once and its environment built once (the only
step with network); each workflow then gets a ``RepoIssue`` (problem statement, checkout, base
commit, test command) and returns a patch, which ``score_patch`` judges in a fresh worktree. Results,
resume, reports and the export are the function benchmark's (``resolved`` counts as ``base``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console

from sparring.bench.benchmark import finish, output_paths, progress_bar, solve_all
from sparring.bench.instances import RepoInstance, RepoIssue, load_instances
from sparring.bench.manifest import begin, record
from sparring.bench.repo_scoring import score_patch
from sparring.bench.results import ResultsFile, TaskResult
from sparring.bench.runner import TASK_FAILURES, usage_of
from sparring.bench.summary import BenchSummary, summarize
from sparring.errors import ConfigError
from sparring.repo.environment import repo_environment
from sparring.repo.sources import ensure_commit, repo_source
from sparring.sandbox import Sandbox, open_sandbox
from sparring.workspace import worktree


class PatchOutcome(Protocol):
    """What a repository solver returns: the patch (``git apply``-able at the base commit) and cost."""

    @property
    def patch(self) -> str: ...
    @property
    def verdict(self) -> str: ...
    @property
    def stop_reason(self) -> str | None: ...
    @property
    def usage(self) -> Mapping[str, Any]: ...
    @property
    def run_id(self) -> str: ...


class RepoSolver(Protocol):
    """Solves one issue with one repository workflow: ``solve(issue, "repo", seed=0)``."""

    def __call__(self, issue: RepoIssue, workflow: str, *, seed: int) -> PatchOutcome: ...


def prepare_issue(instance: RepoInstance, dataset_dir: Path, *, cache: Path | None = None) -> RepoIssue:
    """Clone (once) and build the environment (once) for ``instance``; what its workflow may see."""
    checkout = repo_source(instance.repo, relative_to=dataset_dir, cache=cache and cache / "repos")
    ensure_commit(checkout, instance.base_commit)
    with worktree(checkout, instance.base_commit) as wt:
        name = Path(instance.repo.rstrip("/")).name.removesuffix(".git").removesuffix(".bundle")
        env = repo_environment(wt.path, name, cache=cache and cache / "repo-envs")
    return RepoIssue(
        instance.instance_id, instance.issue_text, checkout, instance.base_commit, instance.test_cmd, env
    )


def solve_and_score_issue(
    instance: RepoInstance,
    issue: RepoIssue,
    workflow: str,
    solver: RepoSolver,
    sandbox: Sandbox,
    *,
    seed: int,
    sha256: str,
) -> TaskResult:
    """Solve from the issue alone, then run the instance's tests once on the final patch."""
    try:
        outcome = solver(issue, workflow, seed=seed)
    except TASK_FAILURES as exc:
        reason = getattr(exc, "reason", None) or type(exc).__name__
        return TaskResult(
            instance.instance_id, workflow, "", False, None, verdict="error", stop_reason=reason,
            usage=usage_of(getattr(exc, "spent", None) or {}),
            seed=seed, dataset_sha256=sha256, base_reason=str(exc),
        )  # fmt: skip
    score = score_patch(instance, outcome.patch, issue.checkout, issue.environment, sandbox)
    return TaskResult(
        task_id=instance.instance_id,
        workflow=workflow,
        solution=outcome.patch,
        base=score.resolved,
        plus=None,
        verdict=outcome.verdict,
        stop_reason=outcome.stop_reason,
        usage=usage_of(outcome.usage),
        run_id=outcome.run_id,
        seed=seed,
        dataset_sha256=sha256,
        base_reason=score.reason,
        score_seconds=score.seconds,
    )


def run_repo_benchmark(
    dataset: str,
    workflows: Sequence[str],
    solver: RepoSolver,
    *,
    limit: int | None = None,
    seed: int = 0,
    workers: int = 1,
    export: str | Path | None = None,
    resume: str | Path | None = None,
    out_dir: str | Path | None = None,
    sandbox: Sandbox | None = None,
    console: Console | None = None,
    cache: Path | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> BenchSummary:
    """Solve every instance with every workflow, score each patch once on the instance's tests."""
    workflows = list(dict.fromkeys(workflows))
    if not workflows:
        raise ConfigError("name at least one workflow to benchmark")
    console = console or Console()
    data = load_instances(dataset)
    instances = {i.instance_id: i for i in data.instances[:limit]}
    box = sandbox if sandbox is not None else open_sandbox()
    out, results_path = output_paths(data.name, out_dir, resume)
    store = ResultsFile(results_path, data.sha256, resume=resume is not None)
    entry = None if manifest is None else {**manifest, "dataset_sha256": data.sha256}
    if entry is not None:  # what produced these rows, beside them (``sparring.bench.manifest``)
        begin(results_path.parent, entry, resumed=resume is not None)
    before = len(store.done)
    start = time.monotonic()
    with progress_bar(console) as progress:
        # a resumed run prepares only the instances some workflow has not finished yet
        todo = [i for i in instances if any((i, w) not in store.done for w in workflows)]
        bar = progress.add_task("repositories", total=len(todo), status="")
        issues: dict[str, RepoIssue] = {}
        for iid in todo:
            issues[iid] = prepare_issue(instances[iid], data.path.parent, cache=cache)
            progress.advance(bar)

        def job(iid: str, workflow: str) -> TaskResult:
            return solve_and_score_issue(
                instances[iid], issues[iid], workflow, solver, box, seed=seed, sha256=store.sha256
            )

        solve_all(list(instances), workflows, job, store, workers=workers, progress=progress)
    if entry is not None:
        record(results_path.parent, entry, added=len(store.done) - before)

    def summary_of(results: list[TaskResult]) -> BenchSummary:
        wall = time.monotonic() - start
        return summarize(
            results, workflows, dataset=data.name, sha256=data.sha256, has_plus=False,
            wall_seconds=wall, metric="resolved",
        )  # fmt: skip

    return finish(store, list(instances), workflows, out, summary_of, export=export, console=console)
