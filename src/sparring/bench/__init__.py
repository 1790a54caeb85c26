"""Benchmarks: run workflows on a dataset, score each final solution once on hidden tests, report.

    summary = run_benchmark("humaneval", ["single", "sop"], solver, limit=20, workers=2)
    summary.to_json()  # per workflow: n, pass_base, pass_plus, tokens, calls, seconds, ...

The solver sees only a ``FunctionTask`` (prompt, entry point, id); tests and canonical solutions stay
here. Repository instances (SWE-bench style) run through ``run_repo_benchmark``; their solver sees
only a ``RepoIssue``. See docs/benchmarks.md for what is measured and the file formats.
"""

from __future__ import annotations

from sparring.bench.benchmark import oracle, run_benchmark
from sparring.bench.datasets import BenchTask, Dataset, load_dataset, select_tasks
from sparring.bench.instances import RepoInstance, RepoIssue, load_instances
from sparring.bench.oracle import OracleResult
from sparring.bench.repo_benchmark import RepoSolver, run_repo_benchmark
from sparring.bench.results import TaskResult
from sparring.bench.runner import SolveOutcome, Solver
from sparring.bench.scoring import Score, Scorer, ScoringLimits
from sparring.bench.summary import BenchSummary, WorkflowSummary

__all__ = [
    "BenchSummary",
    "BenchTask",
    "Dataset",
    "OracleResult",
    "RepoInstance",
    "RepoIssue",
    "RepoSolver",
    "Score",
    "Scorer",
    "ScoringLimits",
    "SolveOutcome",
    "Solver",
    "TaskResult",
    "WorkflowSummary",
    "load_dataset",
    "load_instances",
    "oracle",
    "run_benchmark",
    "run_repo_benchmark",
    "select_tasks",
]
