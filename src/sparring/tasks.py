"""Function tasks: what agents are asked to build (signature and docstring), from text, file, or built in."""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sparring.errors import TaskError
from sparring.pyparse import parse_module


@dataclass(frozen=True)
class FunctionTask:
    """A function to write. ``prompt`` is all agents ever see (signature, docstring, its examples)."""

    task_id: str
    prompt: str
    entry_point: str

    @property
    def title(self) -> str:
        return f"{self.task_id} ({self.entry_point})"


def _last_function(source: str, origin: str) -> str:
    try:
        tree = parse_module(source)
    except SyntaxError as exc:
        raise TaskError(f"{origin}: not valid Python at line {exc.lineno}: {exc.msg}") from None
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    if not names:
        raise TaskError(f"{origin}: no function signature found; give a `def name(...):` with a docstring")
    return names[-1]


def task_from_source(source: str, *, task_id: str | None = None, origin: str = "task") -> FunctionTask:
    """A signature with a docstring (the last function defined is the one to write)."""
    if "def " not in source:
        raise TaskError(f"{origin}: a function task needs a signature and docstring (`def name(...):`)")
    entry = _last_function(_complete_stub(source), origin)
    digest = hashlib.sha256(source.encode()).hexdigest()[:8]
    return FunctionTask(task_id or f"{entry}-{digest}", source.rstrip() + "\n", entry)


def _complete_stub(source: str) -> str:
    """A bare signature + docstring is not parseable until it has a body."""
    try:
        parse_module(source)
        return source
    except SyntaxError:
        return source.rstrip() + "\n    ...\n"


def load_task(arg: str) -> FunctionTask:
    """``arg`` is a path to a ``.py`` file or the prompt text itself."""
    path = Path(arg) if "\n" not in arg and len(arg) < 4096 else None
    if path is not None and (arg.endswith(".py") or path.is_file()):
        if not path.is_file():
            raise TaskError(f"task file not found: {arg}")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TaskError(f"cannot read task file {arg}: {exc}") from None
        return task_from_source(text, task_id=path.stem, origin=str(path))
    return task_from_source(arg)


def demo_task() -> FunctionTask:
    """The built-in task ``sparring demo`` solves."""
    text = resources.files("sparring.data").joinpath("demo_task.py").read_text(encoding="utf-8")
    return task_from_source(text, task_id="demo/merge_intervals")
