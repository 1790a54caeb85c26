"""``sparring lessons list|show|forget``: lessons kept across runs, with their evidence."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sparring.errors import ConfigError
from sparring.lessons import LessonRecord, Lessons
from sparring.store import RunStore

console = Console(highlight=False, emoji=False)
lessons_app = typer.Typer(help="List, inspect and forget lessons learnt across runs.", no_args_is_help=True)

StoreOpt = Annotated[str | None, typer.Option("--store", help="Run store (SQLite file).")]
LessonId = Annotated[int, typer.Argument(help="The lesson id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _as_dict(r: LessonRecord) -> dict[str, object]:
    return asdict(r) | {"pass_rate": r.pass_rate}


def _rate(r: LessonRecord) -> str:
    return "-" if r.pass_rate is None else f"{r.helped}/{r.used}"


@lessons_app.command("list")
def list_(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Every lesson: retrieved how often, pass rate of the runs that used it, retired or not."""
    lessons = Lessons(RunStore(store)).all()
    if as_json:
        typer.echo(json.dumps([_as_dict(r) for r in lessons], ensure_ascii=False))
        return
    table = Table("id", "lesson", "from run", "retrieved", "passed/used", "status")
    for r in lessons:
        status = "retired" if r.retired else "active"
        table.add_row(str(r.id), r.text[:70], r.run_id or "-", str(r.retrieved), _rate(r), status)
    console.print(table)


@lessons_app.command()
def show(lesson_id: LessonId, store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """One lesson in full, with its evidence."""
    r = Lessons(RunStore(store)).get(lesson_id)
    if as_json:
        typer.echo(json.dumps(_as_dict(r), ensure_ascii=False))
        return
    console.print(f"[bold]lesson {r.id}[/] · learnt on: {r.task} · run {r.run_id or '-'}")
    console.print(r.text)
    console.print(f"retrieved {r.retrieved} times · runs that used it passed {_rate(r)}")
    if r.retired:
        console.print(f"retired: {r.retired}")


@lessons_app.command()
def forget(lesson_id: LessonId, store: StoreOpt = None) -> None:
    """Delete a lesson for good."""
    if not Lessons(RunStore(store)).forget(lesson_id):
        raise ConfigError(f"no lesson {lesson_id} to forget")
    console.print(f"forgot lesson {lesson_id}")
