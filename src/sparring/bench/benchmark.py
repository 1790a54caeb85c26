"""The entry points the CLI calls: ``run_benchmark`` and ``oracle``.

They tie the parts together: load and select tasks, open the sandbox, compute the expected outputs,
solve and score each pair with a progress bar, append results, and write the reports.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sparring.bench import manifest
from sparring.bench.canonical import CanonicalOutputs
from sparring.bench.datasets import BenchTask, Dataset, load_dataset, select_tasks
from sparring.bench.manifest import begin, record
from sparring.bench.oracle import OracleResult, oracle_at_k
from sparring.bench.report import report_paths, write_reports
from sparring.bench.results import RESULTS_NAME, ResultsFile, TaskResult, write_export
from sparring.bench.runner import Solver, run_parallel, solve_and_score
from sparring.bench.scoring import Scorer, ScoringLimits
from sparring.bench.summary import BenchSummary, summarize
from sparring.config import data_dir
from sparring.errors import ConfigError
from sparring.sandbox import Sandbox, open_sandbox


def progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[status]}"),
        console=console,
    )


def scorer_for(
    data: Dataset, sandbox: Sandbox | None, scoring: ScoringLimits | None, cache: Path | None
) -> Scorer:
    box = sandbox if sandbox is not None else open_sandbox()
    return Scorer(box, CanonicalOutputs(data, box, root=cache), scoring)


def _prepare(tasks: Sequence[BenchTask], scorer: Scorer, progress: Progress, workers: int) -> None:
    """Compute (or read from the cache) the expected outputs before any solver runs."""
    plus = [t for t in tasks if t.has_plus]
    if not plus:
        return
    bar = progress.add_task("expected outputs", total=len(plus), status="")
    jobs = [partial(scorer.canonical.get, t) for t in plus]
    run_parallel(jobs, workers=workers, on_done=lambda _: progress.advance(bar))


def output_paths(name: str, out_dir: str | Path | None, resume: str | Path | None) -> tuple[Path, Path]:
    """The output directory and the results file (the resumed one, or a fresh one in the directory)."""
    resumed = Path(resume) if resume is not None else None
    if resumed is not None and resumed.is_dir():
        resumed = resumed / RESULTS_NAME
    if out_dir is not None:
        out = Path(out_dir)
    elif resumed is not None:
        out = resumed.parent
    else:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        out = data_dir() / "bench" / f"{name.replace('/', '_')}-{stamp}"
    return out, resumed if resumed is not None else out / RESULTS_NAME


def solve_all(
    ids: Sequence[str],
    workflows: Sequence[str],
    job: Callable[[str, str], TaskResult],
    store: ResultsFile,
    *,
    workers: int,
    progress: Progress,
) -> None:
    """Run ``job(task_id, workflow)`` for every pair not yet in ``store``, appending each result."""
    pending = [(t, w) for t in ids for w in workflows if (t, w) not in store.done]
    bar = progress.add_task("solving", total=len(ids) * len(workflows), status="")
    progress.advance(bar, len(ids) * len(workflows) - len(pending))
    passed = {w: 0 for w in workflows}

    def done(result: TaskResult) -> None:
        store.append(result)
        passed[result.workflow] += result.passed
        progress.update(bar, advance=1, status=" ".join(f"{w}:{n}" for w, n in passed.items()))

    run_parallel([partial(job, t, w) for t, w in pending], workers=workers, on_done=done)


def finish(
    store: ResultsFile,
    ids: Sequence[str],
    workflows: Sequence[str],
    out: Path,
    summary_of: Callable[[list[TaskResult]], BenchSummary],
    *,
    export: str | Path | None,
    console: Console,
) -> BenchSummary:
    """Summarise the wanted pairs, write the reports (and the export), print the table."""
    wanted = [(t, w) for w in workflows for t in ids]
    results = [store.done[key] for key in wanted if key in store.done]
    summary = summary_of(results)
    summary.files.update({"results": str(store.path), **{k: str(p) for k, p in report_paths(out).items()}})
    if export is not None:
        summary.files["export"] = str(export)
        write_export(Path(export), results)
    write_reports(summary, out, manifest.read(store.path.parent))
    console.print(summary)
    return summary


def run_benchmark(
    dataset: str,
    workflows: Sequence[str],
    solver: Solver,
    *,
    limit: int | None = None,
    sample: int | None = None,
    held_out: bool = False,
    seed: int = 0,
    workers: int = 1,
    export: str | Path | None = None,
    resume: str | Path | None = None,
    out_dir: str | Path | None = None,
    sandbox: Sandbox | None = None,
    console: Console | None = None,
    scoring: ScoringLimits | None = None,
    cache: Path | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> BenchSummary:
    """Solve every selected task with every workflow, score each once on hidden tests, report.

    ``resume`` is a results file (or a directory holding ``results.jsonl``) from an earlier run on
    the same dataset file: its finished (task, workflow) pairs are kept and not solved again.
    """
    workflows = list(dict.fromkeys(workflows))  # a workflow named twice runs once
    if not workflows:
        raise ConfigError("name at least one workflow to benchmark")
    console = console or Console()
    data = load_dataset(dataset)
    tasks = select_tasks(data.tasks, limit=limit, sample=sample, seed=seed, held_out=held_out)
    scorer = scorer_for(data, sandbox, scoring, cache)
    out, results_path = output_paths(data.name, out_dir, resume)
    store = ResultsFile(results_path, data.sha256, resume=resume is not None)
    entry = None if manifest is None else {**manifest, "dataset_sha256": data.sha256}
    if entry is not None:  # what produced these rows, beside them (``sparring.bench.manifest``)
        begin(results_path.parent, entry, resumed=resume is not None)
    before = len(store.done)
    start = time.monotonic()
    by_id = {t.task_id: t for t in tasks}

    def job(task_id: str, workflow: str) -> TaskResult:
        return solve_and_score(by_id[task_id], workflow, solver, scorer, seed=seed, sha256=store.sha256)

    with progress_bar(console) as progress:
        _prepare(tasks, scorer, progress, workers)
        solve_all(list(by_id), workflows, job, store, workers=workers, progress=progress)
    if entry is not None:
        record(results_path.parent, entry, added=len(store.done) - before)

    def summary_of(results: list[TaskResult]) -> BenchSummary:
        return summarize(
            results,
            workflows,
            dataset=data.name,
            sha256=data.sha256,
            has_plus=data.has_plus,
            wall_seconds=time.monotonic() - start,
        )

    return finish(store, list(by_id), workflows, out, summary_of, export=export, console=console)


def oracle(
    dataset: str,
    solver: Solver,
    k: int,
    *,
    limit: int | None = None,
    sample: int | None = None,
    held_out: bool = False,
    seed: int = 0,
    workers: int = 1,
    sandbox: Sandbox | None = None,
    console: Console | None = None,
    scoring: ScoringLimits | None = None,
    cache: Path | None = None,
) -> OracleResult:
    """The share of tasks any of ``k`` single-call solutions (seeds ``seed..seed+k-1``) passes.

    A diagnostic ceiling only: nothing here chooses a solution for a workflow.
    """
    console = console or Console()
    data = load_dataset(dataset)
    tasks = select_tasks(data.tasks, limit=limit, sample=sample, seed=seed, held_out=held_out)
    scorer = scorer_for(data, sandbox, scoring, cache)
    with progress_bar(console) as progress:
        _prepare(tasks, scorer, progress, workers)
        bar = progress.add_task(f"oracle@{k}", total=len(tasks), status="")
        result = oracle_at_k(
            tasks,
            solver,
            lambda t, code: scorer.score(t, code).passed,
            k,
            seed=seed,
            workers=workers,
            on_done=lambda _: progress.advance(bar),
        )
    console.print(
        f"oracle@{k}: {len(result.solved)}/{result.n} tasks ({100 * result.rate:.1f}%) "
        f"have a passing sample among {k}; a ceiling, not a workflow's score"
    )
    return result
