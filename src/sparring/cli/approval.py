"""Approval gates on the command line: ask in the terminal, or pause and say how to continue.

With ``--approve plan|tests|all`` a run stops where a person decides. At a terminal sparring asks
at once (approve, edit in ``$EDITOR``, reject); otherwise (``--no-input``, a pipe, CI) the run
pauses durably, the command exits with ``PAUSED_EXIT`` and prints the commands that continue it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.status import Status

from sparring.errors import ConfigError
from sparring.graph import ApprovalRequest, Approver, Decision
from sparring.workflows import TeamConfig, build_graph, with_gates
from sparring.workflows.gates import GATES

PAUSED_EXIT = 3  # the run waits for a person; not a failure


def gate_names(requested: Sequence[str], config: TeamConfig) -> list[str]:
    """``--approve`` values checked against the gates there are; ``all`` is every gate the team has."""
    known = sorted(GATES)
    if bad := [g for g in requested if g not in known and g != "all"]:
        raise ConfigError(f"--approve takes {', '.join(known)} or all, not {', '.join(bad)}")
    if "all" not in requested:
        return list(dict.fromkeys(requested))
    graph, _ = build_graph(with_gates(config, known))
    if not graph.gates:
        raise ConfigError(f"--approve all: workflow {config.workflow!r} has no step to approve")
    return sorted(gate.name for gate in graph.gates.values())


def can_ask(no_input: bool) -> bool:
    """A person can be asked here: not told otherwise, and both stdin and stderr are a terminal."""
    return not no_input and sys.stdin.isatty() and sys.stderr.isatty()


def terminal_approver(console: Console, status: Status | None = None) -> Approver:
    """Ask at the terminal: show the content, then approve, edit in the editor, or reject."""

    def ask(request: ApprovalRequest) -> Decision:
        if status is not None:
            status.stop()
        try:
            title = f"approve the {request.gate}? · run {request.run_id}"
            console.print(Panel(escape(request.content.rstrip()), title=title, expand=False))
            if request.error:
                console.print(f"[red]that edit cannot be used:[/] {escape(request.error)}")
            while True:
                answer = typer.prompt("[a]pprove, [e]dit, [r]eject", default="a", err=True).strip().lower()
                if answer in ("a", "approve"):
                    return Decision("approve")
                if answer in ("r", "reject"):
                    return Decision("reject", typer.prompt("why", default="", err=True))
                if answer in ("e", "edit"):
                    try:
                        edited = edit_in_editor(request.draft or request.content)
                    except ConfigError as exc:
                        console.print(f"[red]{escape(str(exc))}[/]")
                        continue
                    if edited == request.content:
                        console.print("unchanged; approve it, or edit again")
                        continue
                    return Decision("edit", edited)
        finally:
            if status is not None:
                status.start()

    return ask


def edit_in_editor(text: str) -> str:
    """``text`` after the person edited it in ``$VISUAL`` / ``$EDITOR`` (a temporary file)."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise ConfigError("set $EDITOR to edit here (or pause with --no-input and resume with --edit FILE)")
    with tempfile.TemporaryDirectory(prefix="sparring-") as tmp:
        path = Path(tmp) / "approve.txt"
        path.write_text(text, encoding="utf-8")
        try:
            code = subprocess.run([*shlex.split(editor), str(path)], check=False).returncode
        except OSError as exc:
            raise ConfigError(f"cannot start the editor {editor!r}: {exc.strerror or exc}") from None
        if code != 0:
            raise ConfigError(f"the editor {editor!r} exited with {code}; nothing changed")
        return path.read_text(encoding="utf-8")


def decision_from(approve: bool, edit: Path | None, reject: str | None) -> Decision | None:
    """``runs resume``'s --approve / --edit FILE / --reject REASON as a decision (at most one)."""
    given = [name for name, on in (("--approve", approve), ("--edit", edit), ("--reject", reject)) if on]
    if len(given) > 1:
        raise ConfigError(f"give one decision, not {' and '.join(given)}")
    if approve:
        return Decision("approve")
    if reject is not None:
        return Decision("reject", reject)
    if edit is not None:
        try:
            return Decision("edit", edit.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {edit}: {getattr(exc, 'strerror', None) or exc}") from None
    return None


def paused_message(run_id: str, gate: str, store: str | None = None) -> str:
    """How to go on with a paused run (naming the store when it is not the default one)."""
    verb, them = ("wait", "them") if gate.endswith("s") else ("waits", "it")
    where = f" --store {shlex.quote(store)}" if store else ""
    return (
        f"paused: the {gate} {verb} for a person · run {run_id}\n"
        f"  sparring runs show {run_id}{where} --pending > {gate}.txt  # read (and edit) {them}, then\n"
        f"  sparring runs resume {run_id}{where} --approve | --edit {gate}.txt | --reject REASON"
    )
