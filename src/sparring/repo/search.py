"""Code search over a repository's files: plain-text hits, and the call sites of a function.

Call sites matter for cross-file consistency: when a change alters a signature, every caller the
search finds is shown to the coder.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

LINE_CHARS = 200  # a hit shows at most this much of its line (a minified or generated line is huge)


@dataclass(frozen=True)
class Hit:
    file: str
    line: int
    text: str

    def __str__(self) -> str:
        text = self.text.strip()
        return f"{self.file}:{self.line}: {text if len(text) <= LINE_CHARS else text[:LINE_CHARS] + ' …'}"


def search_code(root: Path, files: Iterable[str], pattern: str, *, limit: int = 50) -> list[Hit]:
    """Lines matching ``pattern`` (a regular expression; a plain word matches as a whole word)."""
    regex = re.compile(rf"\b{re.escape(pattern)}\b" if pattern.isidentifier() else pattern)
    hits: list[Hit] = []
    for name in files:
        try:
            text = (root / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for i, line in enumerate(text.splitlines(), 1):
            if regex.search(line):
                hits.append(Hit(name, i, line))
                if len(hits) >= limit:
                    return hits
    return hits


def callers(root: Path, files: Iterable[str], function: str, *, limit: int = 50) -> list[Hit]:
    """Every call of ``function`` (``f(...)`` or ``obj.f(...)``) in the Python files."""
    hits: list[Hit] = []
    for name in files:
        if not name.endswith(".py"):
            continue
        try:
            source = (root / name).read_text(encoding="utf-8")
            tree = ast.parse(source)
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            continue
        lines = source.splitlines()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                called = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                if called == function:
                    hits.append(Hit(name, node.lineno, lines[node.lineno - 1]))
        if len(hits) >= limit:
            break
    return sorted(hits, key=lambda h: (h.file, h.line))[:limit]
