"""``sparring solve`` and ``sparring demo``: one function task through a workflow, with live progress."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.status import Status
from rich.syntax import Syntax

from sparring.cli.approval import PAUSED_EXIT, can_ask, gate_names, paused_message, terminal_approver
from sparring.cli.repo import run_repo_command
from sparring.errors import ConfigError
from sparring.llm import Budget, Meter, Model
from sparring.sandbox import open_sandbox
from sparring.store import Event, RunStore
from sparring.tasks import FunctionTask, demo_task, load_task
from sparring.workflows import Result, RoleModels, TeamConfig, load_team_file, solve

console = Console(highlight=False, emoji=False, stderr=True)
out = Console(highlight=False, emoji=False)


def parse_role_models(items: Sequence[str], default: str) -> dict[str, str]:
    """``--role coder=openai:gpt-4o-mini`` → {"coder": "openai:gpt-4o-mini"}."""
    models = {"default": default}
    for item in items:
        role, sep, spec = item.partition("=")
        if not sep or not role or not spec:
            raise ConfigError(f"--role takes ROLE=MODEL_SPEC, got {item!r}")
        models[role.strip()] = spec.strip()
    return models


class _Watched:
    """Live status from the run's own events: which agent works, the round, how many tests pass."""

    def __init__(self, status: Status, models: RoleModels) -> None:
        self.status, self.models = status, models
        self.round, self.passing = 1, (0, 0)

    @property
    def best(self) -> str:
        passed, cases = self.passing
        return f" · best so far: {passed}/{cases} tests pass" if cases else ""

    def model(self, role: str) -> Model:
        self.status.update(f"round {self.round} · [bold]{role}[/] is working…{self.best}")
        model: Model = self.models(role)
        return model

    def observe(self, event: Event) -> None:
        p = event.payload
        if event.kind == "edge" and p.get("to") == "run":
            self.status.update(f"round {self.round} · [bold]executor[/] runs the tests in the sandbox…")
        elif (
            event.kind == "edge"
            and p.get("from") in ("reflect", "attack", "review")
            and p.get("to") != "__end__"
        ):
            self.round += 1
        elif event.kind == "tool" and p.get("tool") == "tests" and p.get("cases"):
            self.passing = max(self.passing, (int(p["passed"]), int(p["cases"])))
        elif event.kind == "message":
            self.status.update(
                f"round {self.round} · {p['role']} answered ({p['tokens']['total']} tokens){self.best}"
            )


def run_solve(
    task: FunctionTask,
    config: TeamConfig,
    *,
    store: RunStore,
    budget: Budget,
    quiet: bool,
    wall_clock: float | None = None,
    approve: Sequence[str] = (),
    ask: bool = False,
) -> Result:
    """Solve with a live status line (round, which agent is working, tests passing) unless ``quiet``.
    At the ``approve`` gates a person is asked in the terminal when ``ask``; otherwise the run pauses."""
    sandbox = open_sandbox()
    models = RoleModels(config, Meter(budget))
    if quiet or not console.is_terminal:
        return solve(
            task, config, store=store, sandbox=sandbox, budget=budget, wall_clock_s=wall_clock, models=models,
            approve=approve, approver=terminal_approver(console) if ask else None,
        )  # fmt: skip
    with console.status(f"solving {task.title} with {config.workflow}…") as status:
        watch = _Watched(status, models)
        return solve(
            task,
            config,
            store=store,
            sandbox=sandbox,
            budget=budget,
            wall_clock_s=wall_clock,
            models=watch.model,
            observer=watch.observe,
            approve=approve,
            approver=terminal_approver(console, status) if ask else None,
        )


def finish(result: Result, as_json: bool, store: str | None = None) -> None:
    """Print the result; exit 0 when it passed, ``PAUSED_EXIT`` when it waits for a person, else 1."""
    print_result(result, as_json, store)
    if result.verdict == "paused":
        raise typer.Exit(PAUSED_EXIT)
    if result.verdict != "passed":
        raise typer.Exit(1)


def print_result(result: Result, as_json: bool, store: str | None = None) -> None:
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    if result.pending is not None:
        out.print(
            Panel(escape(result.pending["content"].rstrip()), title=result.pending["gate"], expand=False)
        )
        console.print(escape(paused_message(result.run_id, result.pending["gate"], store)), soft_wrap=True)
        return
    out.print(Syntax(result.code or "# no code", "python", theme="ansi_dark", line_numbers=False))
    colour = "green" if result.verdict == "passed" else "red"
    ev, usage = result.evidence, result.usage
    approved = f"{ev['approved_tests']} approved by a person, " if ev.get("approved_tests") else ""
    lines = [
        f"verdict [bold {colour}]{result.verdict}[/] · confidence {result.confidence:.2f}"
        f" · run {result.run_id}",
        f"evidence: {ev['examples']} spec examples, {len(ev['tests'])} designed tests "
        f"({approved}{len(ev['dropped_tests'])} dropped), {ev['rounds']} round(s), "
        f"{ev['candidates']} candidate(s)",
        f"cost: {usage['tokens']} tokens in {usage['calls']} calls, {usage['seconds']:.1f}s",
    ]
    if result.verdict != "passed" and ev.get("feedback"):
        lines.append(f"last failure: {ev['feedback']}")
    out.print(Panel("\n".join(lines), title=result.workflow, expand=False))


Workflow = Annotated[
    str,
    typer.Option(
        "--workflow", "-w", help="single, sample@K, reflexion, sop, debate, roundtable or adversarial."
    ),
]
ModelSpec = Annotated[str, typer.Option("--model", "-m", help="Model spec for every role without its own.")]
RoleOpt = Annotated[list[str], typer.Option("--role", help="ROLE=MODEL_SPEC, e.g. coder=openai:gpt-4o-mini.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")]
StoreOpt = Annotated[str | None, typer.Option("--store", help="Run store (SQLite file).")]


def solve_command(
    task: Annotated[
        str, typer.Argument(help="The prompt text, or a .py file with a signature and docstring.")
    ] = "",
    workflow: Workflow = "sop",
    model: ModelSpec = "local",
    role: RoleOpt = [],  # noqa: B006 - typer reads the default
    team: Annotated[
        str | None, typer.Option(help="A team file (TOML): settings, models per role, roles.")
    ] = None,
    roles: Annotated[list[str], typer.Option("--roles", help="Extra role files or directories.")] = [],  # noqa: B006
    max_tokens: Annotated[int | None, typer.Option(help="Token budget for the whole run.")] = None,
    max_calls: Annotated[int | None, typer.Option(help="Model-call budget for the whole run.")] = None,
    max_dollars: Annotated[float | None, typer.Option(help="Dollar budget for the whole run.")] = None,
    wall_clock: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
    store: StoreOpt = None,
    as_json: AsJson = False,
    repo: Annotated[str | None, typer.Option(help="Solve an issue in this git repository.")] = None,
    issue: Annotated[str | None, typer.Option(help="With --repo: the issue text, or a file.")] = None,
    test_cmd: Annotated[str | None, typer.Option(help="With --repo: the test command.")] = None,
    base: Annotated[str, typer.Option(help="With --repo: the commit to start from.")] = "HEAD",
    patch_out: Annotated[str | None, typer.Option("--out", help="With --repo: write the patch here.")] = None,
    repo_env: Annotated[
        bool,
        typer.Option(
            help="With --repo: run the tests in the repository's own cached virtual environment "
            "(its dependencies installed once, the only step with network); --no-repo-env runs "
            "them with sparring's own interpreter."
        ),
    ] = True,
    approve: Annotated[
        list[str],
        typer.Option(
            "--approve",
            metavar="GATE",
            help="Stop for a person after this step: plan, tests (designed first) or all. At a terminal "
            "sparring asks; otherwise the run pauses (exit 3) until `sparring runs resume`.",
        ),
    ] = [],  # noqa: B006 - typer reads the default
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Never ask in the terminal: pause at --approve gates instead.")
    ] = False,
    apply: Annotated[
        bool,
        typer.Option(
            "--apply",
            help="With --repo: apply a passing patch to the repository's working tree (never commits; "
            "refused if a file it touches has uncommitted changes). Asks first at a terminal.",
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --apply: do not ask.")] = False,
) -> None:
    """Turn a function task into tested code with a team of agents; with --repo, an issue into a patch."""
    config = TeamConfig(workflow=workflow, models=parse_role_models(role, model), role_dirs=tuple(roles))
    if team:
        config = load_team_file(team, config)
    budget = Budget(max_tokens=max_tokens, max_calls=max_calls, max_dollars=max_dollars)
    if repo is not None:
        if approve:
            raise ConfigError("--approve gates are for function tasks; repository mode has none yet")
        return run_repo_command(
            repo, issue, config=config, store=store, budget=budget, test_cmd=test_cmd, base=base,
            wall_clock=wall_clock, as_json=as_json, patch_out=patch_out, own_environment=repo_env,
            apply=apply, yes=yes, no_input=no_input,
        )  # fmt: skip
    if apply or yes:
        raise ConfigError("--apply and --yes are for repository mode (--repo)")
    if not task:
        raise ConfigError("solve needs a TASK (or --repo PATH --issue TEXT_OR_FILE)")
    gates = gate_names(approve, config)
    result = run_solve(
        load_task(task), config, store=RunStore(store), budget=budget, quiet=as_json, wall_clock=wall_clock,
        approve=gates, ask=bool(gates) and not as_json and can_ask(no_input),
    )  # fmt: skip
    finish(result, as_json, store)


def demo_command(model: ModelSpec = "local", workflow: Workflow = "sop", store: StoreOpt = None) -> None:
    """Run the team on a built-in task with the embedded default model."""
    task = demo_task()
    out.print(Panel(task.prompt.strip(), title=f"task {task.task_id}", expand=False))
    config = TeamConfig(workflow=workflow, models={"default": model})
    result = run_solve(task, config, store=RunStore(store), budget=Budget(), quiet=False)
    print_result(result, False)
