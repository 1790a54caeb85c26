"""Python parsing for the whole package, one parse at a time.

CPython 3.11 keeps the AST constructor's recursion counter per interpreter, not per thread, so two
threads parsing at once can fail with ``SystemError: AST constructor recursion depth mismatch``
(cpython gh-106905). Agents of one step run in threads (candidates, debaters, reviewers), and each
parses code, so every parse in sparring goes through this lock. A parse takes microseconds to
milliseconds; the lock costs nothing a model call would notice.
"""

from __future__ import annotations

import ast
import threading
import traceback
from typing import Any

_lock = threading.Lock()


def parse_module(source: str) -> ast.Module:
    """``ast.parse(source)``, safe to call from several threads."""
    with _lock:
        return ast.parse(source)


def parse_expression(source: str) -> ast.Expression:
    """``ast.parse(source, mode="eval")``, safe to call from several threads."""
    with _lock:
        return ast.parse(source, mode="eval")


def literal(source: str) -> Any:
    """``ast.literal_eval(source)`` for source text, safe to call from several threads."""
    with _lock:
        return ast.literal_eval(source)


def format_exc() -> str:
    """``traceback.format_exc()``, which parses source lines on 3.11: under the same lock."""
    with _lock:
        return traceback.format_exc()
