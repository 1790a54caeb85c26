"""``sparring bench``: workflows side by side on a dataset, scored once on hidden tests."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from sparring.bench import oracle, run_benchmark
from sparring.bench.baseline import baselines
from sparring.bench.instances import RepoIssue, is_instance_file
from sparring.bench.manifest import invocation
from sparring.bench.repo_benchmark import run_repo_benchmark
from sparring.bench.runner import TASK_FAILURES
from sparring.cli.solve import ModelSpec, RoleOpt, parse_role_models
from sparring.errors import ConfigError
from sparring.llm import Budget, Meter
from sparring.sandbox import Sandbox, open_sandbox
from sparring.store import RunStore
from sparring.tasks import FunctionTask
from sparring.workflows import (
    Result,
    RoleModels,
    TeamConfig,
    load_team_file,
    parse_workflow,
    solve,
    split_variant,
)
from sparring.workflows.repo import RepoResult, check_repo_workflow, solve_repo

console = Console(highlight=False, emoji=False, stderr=True)


@dataclass
class TeamSolver:
    """Solves one benchmark task with one workflow. Runs use the team's seed 0 (greedy first
    candidate, as published single-call figures are measured); ``sampled`` solvers (the oracle)
    turn the benchmark seed into a positive team seed, so every call samples."""

    config: TeamConfig
    store: RunStore
    sandbox: Sandbox
    budget: Budget
    sampled: bool = False
    use_cache: bool = True
    # labels run with a team file of their own (``sop:team.toml``), each read once before the run
    variants: Mapping[str, TeamConfig] = field(default_factory=dict)

    def team(self, label: str) -> TeamConfig:
        """The team a workflow label runs with: its own team file's, else the common one."""
        return self.variants.get(label) or replace(self.config, workflow=label)

    def __call__(self, task: FunctionTask, workflow: str, *, seed: int) -> Result:
        base = self.team(workflow)
        settings = dict(base.settings)
        settings["seed"] = seed + 1 if self.sampled else settings.get("seed", 0)
        config = TeamConfig(base.workflow, settings, base.models, base.role_dirs)
        meter = Meter(self.budget)
        models = RoleModels(config, meter, use_cache=self.use_cache)
        with charged(meter):
            return solve(
                task, config, store=self.store, sandbox=self.sandbox, budget=self.budget, models=models
            )


@dataclass
class RepoTeamSolver:
    """Solves one repository instance with one repository workflow (``single`` or ``repo``)."""

    config: TeamConfig
    store: RunStore
    sandbox: Sandbox
    budget: Budget
    use_cache: bool = True

    def __call__(self, issue: RepoIssue, workflow: str, *, seed: int) -> RepoResult:
        config = TeamConfig(workflow, self.config.settings, self.config.models, self.config.role_dirs)
        meter = Meter(self.budget)
        with charged(meter):
            return solve_repo(
                issue.checkout, issue.text, config, store=self.store, sandbox=self.sandbox,
                base=issue.base_commit, test_cmd=issue.test_cmd or None, workflow=workflow,
                environment=issue.environment,
                models=RoleModels(config, meter, use_cache=self.use_cache),
            )  # fmt: skip


@contextmanager
def charged(meter: Meter) -> Iterator[None]:
    """A task the solver gives up on still cost what its calls spent: the error carries it (``spent``)
    so the benchmark counts it instead of a zero."""
    try:
        yield
    except TASK_FAILURES as exc:
        exc.spent = meter.summary()  # type: ignore[union-attr]
        raise


def bench_command(
    ctx: typer.Context,
    dataset: Annotated[
        str,
        typer.Argument(
            help="humaneval, an EvalPlus-format .jsonl(.gz), or repository instances "
            "(isodate-bugs, or a SWE-bench-style .jsonl)."
        ),
    ],
    workflow: Annotated[
        list[str],
        typer.Option(
            "--workflow",
            "-w",
            help="Repeat to compare workflows; NAME:TEAM.toml gives one its own team file.",
        ),
    ] = [],  # noqa: B006
    model: ModelSpec = "local",
    role: RoleOpt = [],  # noqa: B006
    team: Annotated[str | None, typer.Option(help="A team file (TOML) for every workflow.")] = None,
    limit: Annotated[int | None, typer.Option(help="The first N tasks.")] = None,
    sample: Annotated[int | None, typer.Option(help="A seeded random sample of N tasks.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of --sample.")] = 0,
    held_out: Annotated[
        bool, typer.Option("--held-out", help="Every task NOT in --sample N --seed S (held-out data).")
    ] = False,
    workers: Annotated[int, typer.Option(help="Tasks solved at once.", min=1)] = 1,
    export: Annotated[str | None, typer.Option(help="Write one JSON line per task and workflow.")] = None,
    resume: Annotated[
        str | None, typer.Option(help="Continue an interrupted benchmark (its results file).")
    ] = None,
    out: Annotated[str | None, typer.Option(help="Directory for results, reports and the plot.")] = None,
    baseline: Annotated[
        bool, typer.Option(help="Add the equal-budget sample@K baseline for each team.")
    ] = True,
    oracle_k: Annotated[
        int | None, typer.Option("--oracle", help="Also report the any-of-K-samples ceiling.")
    ] = None,
    task_tokens: Annotated[int | None, typer.Option(help="Token budget per task and workflow.")] = None,
    store: Annotated[str | None, typer.Option("--store", help="Run store (SQLite file).")] = None,
    cache: Annotated[
        bool,
        typer.Option(help="Reuse cached deterministic replies (--no-cache: every call runs, for timing)."),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Benchmark workflows on hidden tests: pass@1 base/plus (or instances resolved), tokens, calls
    and time per task."""
    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise ConfigError(f"--out must be a directory, and {out} is a file")
    repositories = is_instance_file(dataset)
    if repositories:
        if sample is not None or oracle_k:
            raise ConfigError("--sample and --oracle are for function datasets, not repository instances")
        workflow = workflow or ["single", "repo"]
        for name in workflow:
            check_repo_workflow(name)
    config = TeamConfig(models=parse_role_models(role, model))
    if team:
        config = load_team_file(team, config)
    opts = _Options(
        dataset, config, limit=limit, sample=sample, seed=seed, held_out=held_out, workers=workers,
        export=export, resume=resume, out=out, store=store, cache=cache,
        budget=Budget(max_tokens=task_tokens), argv=(ctx.obj or {}).get("argv"),
    )  # fmt: skip
    if repositories:
        report = _bench_repositories(opts, workflow)
    else:
        report = _bench_functions(opts, workflow or ["single", "sop"], baseline=baseline, oracle_k=oracle_k)
    if as_json:  # the table was already shown on stderr while it ran
        typer.echo(json.dumps(report, ensure_ascii=False))


@dataclass(frozen=True)
class _Options:
    """What every kind of benchmark takes from the command line."""

    dataset: str
    config: TeamConfig  # the common team: models per role, the --team file's settings
    limit: int | None
    sample: int | None
    seed: int
    held_out: bool
    workers: int
    export: str | None
    resume: str | None
    out: str | None
    store: str | None
    cache: bool
    budget: Budget
    argv: list[str] | None  # the command line, recorded in the manifest

    def manifest(self, teams: Mapping[str, TeamConfig], sandbox: Sandbox) -> dict[str, Any]:
        selection = {"limit": self.limit, "sample": self.sample, "seed": self.seed, "held_out": self.held_out}
        return invocation(
            list(teams), teams, sandbox=sandbox.name, workers=self.workers, cache=self.cache,
            selection=selection, argv=self.argv,
        )  # fmt: skip


def _bench_repositories(opts: _Options, workflows: list[str]) -> dict[str, Any]:
    config = replace(opts.config, workflow=workflows[0])
    solver = RepoTeamSolver(config, RunStore(opts.store), open_sandbox(), opts.budget, use_cache=opts.cache)
    entry = opts.manifest({w: replace(config, workflow=w) for w in workflows}, solver.sandbox)
    summary = run_repo_benchmark(
        opts.dataset, workflows, solver, limit=opts.limit, seed=opts.seed, workers=opts.workers,
        export=opts.export, resume=opts.resume, out_dir=opts.out, sandbox=solver.sandbox, console=console,
        manifest=entry,
    )  # fmt: skip
    return {"summary": summary.to_json()}


def _bench_functions(
    opts: _Options, workflows: list[str], *, baseline: bool, oracle_k: int | None
) -> dict[str, Any]:
    config = replace(opts.config, workflow=split_variant(workflows[0])[0])
    variants: dict[str, TeamConfig] = {}
    for label in workflows:
        name, team_file = split_variant(label)
        parse_workflow(name)
        if team_file:  # read now: a bad file stops here, before any task runs
            variants[label] = replace(load_team_file(team_file, config), workflow=name)
    solver = TeamSolver(
        config, RunStore(opts.store), open_sandbox(), opts.budget, use_cache=opts.cache, variants=variants
    )
    common: dict[str, Any] = {
        "limit": opts.limit,
        "sample": opts.sample,
        "held_out": opts.held_out,
        "seed": opts.seed,
        "workers": opts.workers,
        "console": console,
        "sandbox": solver.sandbox,
    }
    entry = opts.manifest({w: solver.team(w) for w in workflows}, solver.sandbox)
    summary = run_benchmark(
        opts.dataset, workflows, solver, export=opts.export, resume=opts.resume, out_dir=opts.out,
        manifest=entry, **common,
    )  # fmt: skip
    extra = _baselines(summary.to_json(), workflows) if baseline else []
    if extra:
        everything = workflows + extra
        teams = {w: solver.team(w) for w in everything}
        same = {"id": entry["id"], "started": entry["started"]}  # the same invocation, with its baselines
        entry = opts.manifest(teams, solver.sandbox) | same
        summary = run_benchmark(
            opts.dataset, everything, solver, export=opts.export, resume=Path(summary.files["results"]),
            manifest=entry, **common,
        )  # fmt: skip
    report: dict[str, Any] = {"summary": summary.to_json()}
    if oracle_k:
        sampled = replace(solver, sampled=True, variants={})
        report["oracle"] = oracle(opts.dataset, sampled, oracle_k, **common).to_json()
        console.print(f"oracle ceiling (any of {oracle_k} samples passes): {report['oracle']['rate']:.1%}")
    return report


def _baselines(summary: dict[str, Any], workflows: list[str]) -> list[str]:
    """``sample@K`` for every team workflow, K chosen by tokens (``sparring.bench.baseline``)."""
    chosen = baselines(summary, workflows)
    for choice in chosen:
        console.print(f"equal-budget baseline: {choice.describe()}")
    return [c.name for c in chosen]
