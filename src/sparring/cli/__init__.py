"""The ``sparring`` command line. Parses, calls the library, turns ``SparringError`` into one line."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape

from sparring.cli.app import app
from sparring.errors import SparringError

err_console = Console(stderr=True, highlight=False, emoji=False)


def main(argv: list[str] | None = None) -> int:
    try:
        # the arguments travel with the context, so a benchmark can record the command that ran it
        words = list(sys.argv[1:] if argv is None else argv)
        app(args=argv, prog_name="sparring", obj={"argv": words})
    except SparringError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]")
        return 130
    except SystemExit as exc:  # --help, --version and usage errors (typer already printed them)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def run() -> None:
    sys.exit(main())


__all__ = ["main", "run"]
