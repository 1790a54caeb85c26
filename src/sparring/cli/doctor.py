"""``sparring doctor``: conformance checks of a model (and this machine's sandbox), as a table or JSON."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sparring.cli.solve import parse_role_models
from sparring.doctor import Report, diagnose, one_line, subject_for

out = Console(highlight=False, emoji=False)
err = Console(highlight=False, emoji=False, stderr=True)

_STATUS = {"pass": "[green]pass[/]", "fail": "[bold red]fail[/]", "skip": "[yellow]skip[/]"}


def models_to_check(model: str | None, roles: Sequence[str]) -> dict[str, list[str]]:
    """Each distinct model spec to check → the roles that use it. ``--role`` alone checks only the
    roles' models; ``--model`` (default ``local``) is checked when given or when no role is."""
    named = parse_role_models(roles, model or "local")
    if roles and model is None:
        named.pop("default")
    specs: dict[str, list[str]] = {}
    for role, spec in named.items():
        specs.setdefault(spec, []).append(role)
    return specs


def print_report(report: Report, roles: Sequence[str]) -> None:
    used_by = f" (roles: {', '.join(roles)})" if roles and roles != ["default"] else ""
    table = Table(
        "check", "status", "detail", title=escape(f"sparring doctor · {one_line(report.model, 60)}{used_by}")
    )
    table.add_column("seconds", justify="right")
    for check in report.checks:
        table.add_row(check.name, _STATUS[check.status], escape(check.detail), f"{check.seconds:.1f}")
    out.print(table)
    if report.ok:
        out.print("[green]ok[/]: nothing failed; this model and sandbox work with sparring")
    else:
        failed = report.failed
        out.print(f"[bold red]{len(failed)} failed[/]: {', '.join(failed)}")


@contextlib.contextmanager
def _progress(spec: str, quiet: bool) -> Iterator[Callable[[str], None] | None]:
    """A live status line on a terminal (which check is running), nothing otherwise."""
    if quiet or not err.is_terminal:
        yield None
        return
    with err.status(f"checking {escape(spec)}…") as status:

        def show(name: str) -> None:
            status.update(f"checking {escape(spec)}: [bold]{name}[/]…")

        yield show


def doctor_command(
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model spec to check (default: local).")
    ] = None,
    role: Annotated[
        list[str], typer.Option("--role", help="ROLE=MODEL_SPEC: check the model this role would use.")
    ] = [],  # noqa: B006 - typer reads the default
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per model checked.")] = False,
) -> None:
    """Will this model (and this machine's sandbox) work with sparring? Quick conformance checks."""
    specs = models_to_check(model, role)
    subjects = [(subject_for(spec), roles) for spec, roles in specs.items()]  # spec mistakes fail first
    reports: list[Report] = []
    for subject, roles in subjects:
        with _progress(subject.name, as_json) as progress:
            report = diagnose(subject, progress=progress)
        reports.append(report)
        if as_json:
            typer.echo(json.dumps(report.as_dict() | {"roles": roles}, ensure_ascii=False))
        else:
            print_report(report, roles)
    if not all(r.ok for r in reports):
        raise typer.Exit(1)
