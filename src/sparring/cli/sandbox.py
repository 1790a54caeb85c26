"""``sparring sandbox``: run a command the way agents do, or report which backends work here."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sparring.sandbox import Limits, check_backends, open_sandbox

console = Console(highlight=False, emoji=False)


def sandbox_command(
    command: Annotated[list[str] | None, typer.Argument(help="The command to run, after --.")] = None,
    backend: Annotated[str, typer.Option(help="auto, bwrap, docker, podman or process.")] = "auto",
    check: Annotated[
        bool, typer.Option("--check", help="Report which backends work and what they protect.")
    ] = False,
    timeout: Annotated[float, typer.Option(help="Wall-clock seconds.", min=0.01)] = 10.0,
    memory_mb: Annotated[int, typer.Option(help="Memory limit in MiB.", min=1)] = 512,
) -> None:
    """Run CMD in the sandbox and print its verdict (``sparring sandbox -- python -c 'print(1)'``)."""
    if check:
        for report in check_backends():
            mark = "[green]works[/]" if report.available else "[red]unavailable[/]"
            console.print(f"[bold]{report.name}[/]: {mark} — {report.reason}")
            if report.protections:
                table = Table("protection", "enforced", "how", show_edge=False)
                for p in report.protections:
                    table.add_row(p.name, "yes" if p.enforced else "[red]no[/]", p.how)
                console.print(table)
        return
    if not command:
        raise typer.BadParameter("give a command after --, or --check")
    execution = open_sandbox(backend).run(
        command, limits=Limits(timeout=timeout, memory=memory_mb * 1024 * 1024)
    )
    typer.echo(execution.stdout, nl=False)
    typer.echo(execution.stderr, nl=False, err=True)
    colour = "green" if execution.ok else "red"
    Console(stderr=True, highlight=False).print(
        f"[{colour}]{execution.verdict.value}[/] · exit {execution.exit_code} · {execution.duration:.2f}s · "
        f"backend {execution.backend}"
    )
    if not execution.ok:
        code = execution.exit_code
        raise typer.Exit(code if code is not None and 0 < code < 126 else 1)
