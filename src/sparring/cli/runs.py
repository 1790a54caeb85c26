"""``sparring runs list|show|export|resume``: the durable record of every run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, get_args

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sparring.cli.approval import can_ask, decision_from, paused_message, terminal_approver
from sparring.errors import ConfigError
from sparring.sandbox import open_sandbox
from sparring.store import (
    RunStatus,
    RunStore,
    default_store_path,
    export_run,
    list_runs,
    pending_approval,
    show_run,
    status_of,
    write_run_html,
)
from sparring.workflows import resume

console = Console(highlight=False, emoji=False)
runs_app = typer.Typer(help="List, inspect, export and resume runs.", no_args_is_help=True)

StoreOpt = Annotated[str | None, typer.Option("--store", help="Run store (SQLite file).")]
RunId = Annotated[str, typer.Argument(help="The run id.")]


@runs_app.command("list")
def list_(
    store: StoreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array.")] = False,
    limit: Annotated[int, typer.Option(help="Show at most this many runs (newest first).", min=1)] = 50,
    status: Annotated[
        str | None,
        typer.Option(help="Only runs with this status: running, paused, passed, failed, stopped, crashed."),
    ] = None,
) -> None:
    """Runs in the store, newest first (--status paused: the runs waiting for a person)."""
    statuses = get_args(RunStatus)
    if status is not None and status not in statuses:
        raise ConfigError(f"--status takes one of {', '.join(statuses)}, not {status!r}")
    runs = [r for r in list_runs(RunStore(store)) if status is None or r.status == status][:limit]
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "run_id": r.run_id,
                        "status": r.status,
                        "workflow": r.workflow,
                        "created": r.created.isoformat(),
                        "title": r.title,
                        "reason": r.reason,
                    }
                    for r in runs
                ]
            )
        )
        return
    table = Table("run", "status", "workflow", "task", "reason")
    for r in runs:
        table.add_row(r.run_id, r.status, r.workflow, (r.title or "")[:50], r.reason or "")
    console.print(table)


@runs_app.command()
def show(
    run_id: RunId,
    store: StoreOpt = None,
    pending: Annotated[
        bool, typer.Option("--pending", help="Print only what a paused run waits to have approved (to edit).")
    ] = False,
) -> None:
    """A run's summary and its events in order."""
    if pending:
        typer.echo(pending_content(_existing_store(store), run_id)["content"], nl=False)
        return
    view = show_run(RunStore(store), run_id)
    r = view.summary
    console.print(
        f"[bold]{r.run_id}[/] · {r.workflow} · {r.status} ({r.reason or '-'}) · {r.created:%Y-%m-%d %H:%M}"
    )
    console.print(r.title)
    table = Table("step", "node", "event", "detail")
    for e in view.events:
        table.add_row(str(e.step), e.node or "", e.kind, _detail(e.kind, e.payload))
    console.print(table)
    if r.status == "paused":
        gate = pending_content(RunStore(store), r.run_id)["gate"]
        console.print(escape(paused_message(r.run_id, gate, store)), soft_wrap=True)


def _detail(kind: str, payload: dict[str, Any]) -> str:
    if kind == "message":
        tokens = payload.get("tokens", {}).get("total")
        return f"{payload.get('role')} · {payload.get('model')} · {tokens} tokens"
    if kind == "edge":
        return f"→ {payload.get('to')} ({payload.get('reason') or 'fixed'})"
    text = json.dumps(payload, ensure_ascii=False, default=str)
    return text if len(text) < 120 else text[:117] + "..."


@runs_app.command("export")
def export(
    run_id: RunId,
    store: StoreOpt = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", metavar="FILE", help="Write one offline HTML page to read the run."),
    ] = None,
) -> None:
    """The whole run as one JSON document (config, events, result), or with --html as one offline page."""
    runs = _existing_store(store)
    if html is None:
        typer.echo(json.dumps(export_run(runs, run_id), ensure_ascii=False, default=str))
        return
    typer.echo(str(write_run_html(runs, run_id, html)))


def _existing_store(store: str | None) -> RunStore:
    """The run store at ``store`` (or the default), refusing to create one that is not there."""
    path = Path(store) if store is not None else default_store_path()
    if str(path) != ":memory:" and not path.is_file():
        raise ConfigError(f"no run store at {path} (give --store PATH or set SPARRING_STORE)")
    return RunStore(path)


@runs_app.command("resume")
def resume_(
    run_id: RunId,
    store: StoreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    approve: Annotated[
        bool, typer.Option("--approve", help="A paused run: approve what waits as it is.")
    ] = False,
    edit: Annotated[
        Path | None,
        typer.Option("--edit", metavar="FILE", help="A paused run: use this edited content instead."),
    ] = None,
    reject: Annotated[
        str | None, typer.Option("--reject", metavar="REASON", help="A paused run: reject it; the run stops.")
    ] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never ask in the terminal.")] = False,
) -> None:
    """Continue a killed, crashed or paused run from its last checkpoint; finished steps are not
    repeated. A run paused at a gate needs --approve, --edit FILE or --reject REASON (or asks)."""
    from sparring.cli.solve import finish

    runs = _existing_store(store)
    decision = decision_from(approve, edit, reject)
    status = status_of(runs.run(run_id))
    ask = not as_json and can_ask(no_input)
    if status == "paused" and decision is None and not ask:
        gate = pending_content(runs, run_id)["gate"]
        raise ConfigError(
            f"run {run_id} waits for approval of its {gate}: "
            "resume it with --approve, --edit FILE or --reject REASON"
        )
    if status != "paused" and decision is not None:
        raise ConfigError(f"run {run_id} is not waiting for approval (it is {status})")
    approver = terminal_approver(console) if ask else None
    result = resume(run_id, store=runs, sandbox=open_sandbox(), decision=decision, approver=approver)
    finish(result, as_json, store)


def pending_content(store: RunStore, run_id: str) -> dict[str, str]:
    """The gate a paused run waits at and the content shown there; an error if it is not paused."""
    pending = pending_approval(store, run_id)
    if pending is None:
        raise ConfigError(f"run {run_id} is not waiting for approval (it is {status_of(store.run(run_id))})")
    return pending
