"""``sparring solve --repo PATH --issue TEXT_OR_FILE``: an issue in a repository → a tested patch."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.panel import Panel

from sparring.cli.approval import can_ask
from sparring.errors import ConfigError, TaskError
from sparring.llm import Budget, Meter
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.workflows import RoleModels, TeamConfig
from sparring.workflows.repo import RepoResult, solve_repo
from sparring.workspace.apply import apply_patch

out = Console(highlight=False, emoji=False)


def issue_text(value: str | None) -> str:
    """The issue: the contents of a file if ``value`` names one, else ``value`` itself."""
    if not value or not value.strip():
        raise ConfigError("--repo needs --issue TEXT_OR_FILE (the problem to solve)")
    path = Path(value).expanduser()
    if len(value) < 4096 and "\n" not in value and path.is_file():
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TaskError(f"cannot read issue file {path}: {exc}") from None
    return value


def run_repo_command(
    repo: str,
    issue: str | None,
    *,
    config: TeamConfig,
    store: str | None,
    budget: Budget,
    test_cmd: str | None,
    base: str,
    wall_clock: float | None,
    as_json: bool,
    patch_out: str | None,
    own_environment: bool = False,
    apply: bool = False,
    yes: bool = False,
    no_input: bool = False,
) -> None:
    """Solve; print the result (or JSON); write the patch to ``patch_out``; with ``apply``, apply a
    passing patch to the repository's working tree (asking first at a terminal unless ``yes``);
    exit 1 unless passed (and, with ``apply``, applied)."""
    if yes and not apply:
        raise ConfigError("--yes answers --apply's question; give --apply too")
    text = issue_text(issue)
    result = solve_repo(
        repo,
        text,
        TeamConfig("repo", config.settings, config.models, config.role_dirs),
        store=RunStore(store),
        sandbox=open_sandbox(),
        base=base,
        test_cmd=test_cmd,
        wall_clock_s=wall_clock,
        models=RoleModels(config, Meter(budget)),
        own_environment=own_environment,
    )
    if patch_out:
        try:
            Path(patch_out).write_text(result.patch, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write the patch to {patch_out}: {exc}") from None
    if as_json:
        extra: dict[str, str | None] = {}
        if apply:
            try:
                extra["applied"] = (
                    str(apply_patch(repo, result.patch, result.base)) if result.verdict == "passed" else None
                )
            except TaskError as exc:
                extra = {"applied": None, "apply_error": str(exc)}
        typer.echo(json.dumps(result.as_dict() | extra, ensure_ascii=False))
        if result.verdict != "passed" or "apply_error" in extra:
            raise typer.Exit(1)
        return
    print_repo_result(result)
    if result.verdict != "passed":
        if apply:
            out.print("not applied: the run did not pass")
        raise typer.Exit(1)
    if apply:
        ask = not yes and can_ask(no_input)
        if ask and not typer.confirm(f"apply this patch to {repo}?", default=False, err=True):
            out.print("not applied")
            return
        root = apply_patch(repo, result.patch, result.base)
        out.print(f"applied to {root} (not committed): {', '.join(result.files_changed)}", markup=False)


def print_repo_result(result: RepoResult) -> None:
    out.print(result.patch or "# no patch", markup=False)
    ev, usage = result.evidence, result.usage
    colour = "green" if result.verdict == "passed" else "red"
    lines = [
        f"verdict [bold {colour}]{result.verdict}[/] · run {result.run_id} · base {result.base[:12]}",
        f"reproducing test: {ev['repro_test'] or 'none'} · existing tests at base: "
        f"{ev['baseline']['passed']}/{ev['baseline']['tests']} passing · broken: {len(ev['broken'])}",
        f"files changed: {', '.join(result.files_changed) or 'none'} · {ev['rounds']} round(s)",
        f"cost: {usage['tokens']} tokens in {usage['calls']} calls, {usage['seconds']:.1f}s",
    ]
    if result.verdict != "passed" and ev.get("feedback"):
        lines.append(f"last failure: {ev['feedback'][:500]}")
    out.print(Panel("\n".join(lines), title="repo", expand=False))
