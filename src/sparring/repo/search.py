"""Code search over a repository's files: plain-text hits, and the call sites of a function.

Call sites matter for cross-file consistency: when a change alters a signature, every caller the
search finds is shown to the coder. They are call nodes found by tree-sitter (``sparring.repo.syntax``)
in the languages it has a grammar for, not text matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sparring.repo.syntax import language_of, read_source, tags

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
    """Every call of ``function`` (``f(...)``, ``obj.f(...)``, and ``new F(...)`` in JavaScript and
    TypeScript): the call nodes tree-sitter finds in the files with a grammar, also around syntax
    errors."""
    hits: list[Hit] = []
    for name in files:
        language = language_of(name)
        if language is None or (text := read_source(root / name)) is None:
            continue
        if function not in text and text.isascii():
            continue  # cannot call it (a non-ASCII name may still normalise to it)
        lines = text.split("\n")
        hits.extend(
            Hit(name, line, lines[line - 1])
            for called, line in tags(text, language).calls
            if called == function
        )
        if len(hits) >= limit:
            break
    return sorted(hits, key=lambda h: (h.file, h.line))[:limit]
