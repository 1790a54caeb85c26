"""``sparring review``: findings on a change for CI — Markdown, JSON or SARIF, and a failing exit code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sparring.cli.solve import ModelSpec, RoleOpt, StoreOpt, parse_role_models
from sparring.errors import ConfigError
from sparring.llm import Meter
from sparring.review import render, review_change
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.workflows import RoleModels, TeamConfig

FORMATS = ("markdown", "json", "sarif")
LEVELS = ("low", "medium", "high", "never")


def review_command(
    diff: Annotated[str | None, typer.Option("--diff", help="A git diff range, e.g. main...HEAD.")] = None,
    patch: Annotated[str | None, typer.Option("--patch", help="A unified diff file to review.")] = None,
    repo: Annotated[str, typer.Option(help="The git repository.")] = ".",
    fmt: Annotated[str, typer.Option("--format", help="markdown, json or sarif.")] = "markdown",
    fail_on: Annotated[str, typer.Option(help="Exit 1 at this severity: low, medium, high.")] = "never",
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write the report here.")] = None,
    model: ModelSpec = "local",
    role: RoleOpt = [],  # noqa: B006 - typer reads the default
    store: StoreOpt = None,
) -> None:
    """Review a change (default: the working tree against HEAD) with a reviewer and a red team."""
    if fmt not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fail_on not in LEVELS:
        raise ConfigError(f"--fail-on must be one of {', '.join(LEVELS)}, not {fail_on!r}")
    if diff is not None and patch is not None:
        raise ConfigError("give --diff or --patch, not both")
    config = TeamConfig(workflow="review", models=parse_role_models(role, model))
    review = review_change(
        repo,
        diff_range=diff,
        patch_file=patch,
        store=RunStore(store),
        sandbox=open_sandbox(),
        models=RoleModels(config, Meter()),
    )
    text = render(review, fmt)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write {output}: {exc}") from None
    else:
        typer.echo(text)
    if fail_on != "never" and review.fails_at(fail_on):  # type: ignore[arg-type]
        raise typer.Exit(1)
