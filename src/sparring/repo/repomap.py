"""A repository map: the definitions that matter most, ranked by how connected they are, in a budget.

As Aider does, with tree-sitter (``sparring.repo.syntax``; Python, JavaScript, TypeScript and TSX
files; files in other languages are left out): every module's top-level classes and functions and
the methods of its top-level classes (in TypeScript also interfaces, type aliases and enums) are
definitions; a name used in one file and defined in another is a reference edge between them. A
file with syntax errors keeps what the parser recovers around them. Files are ranked by PageRank
over those edges, personalised towards files and identifiers the issue mentions. The map lists files
in rank order, each with its definitions' signature lines, until the token budget (3 characters a
token, on the safe side) is spent.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sparring.repo.syntax import language_of, read_source, tags

SIGNATURE_CHARS = 200  # a longer line (minified or generated code) is cut in the map


@dataclass(frozen=True)
class Symbol:
    name: str
    file: str
    line: int
    kind: str  # "class", "def", "method", or "type" (TypeScript interfaces, type aliases, enums)
    signature: str


@dataclass
class RepoIndex:
    """Definitions per file and which names each file uses (the raw material of the map)."""

    definitions: dict[str, list[Symbol]] = field(default_factory=dict)
    uses: dict[str, Counter[str]] = field(default_factory=dict)

    def defined_in(self) -> dict[str, set[str]]:
        where: dict[str, set[str]] = defaultdict(set)
        for file, symbols in self.definitions.items():
            for s in symbols:
                where[s.name].add(file)
        return where


def index_repo(root: Path, files: Iterable[str]) -> RepoIndex:
    """Read every file in a language with a grammar (``syntax.SUFFIXES``); other files are skipped
    (they still show in code search)."""
    index = RepoIndex()
    for name in files:
        language = language_of(name)
        if language is None or (text := read_source(root / name)) is None:
            continue
        found = tags(text, language)
        lines = text.split("\n")
        index.definitions[name] = [
            Symbol(d.name, name, d.line, d.kind, _sig(lines, d.line)) for d in found.definitions
        ]
        index.uses[name] = found.references
    return index


def _sig(lines: list[str], lineno: int) -> str:
    line = lines[lineno - 1].rstrip() if 0 < lineno <= len(lines) else ""
    return line if len(line) <= SIGNATURE_CHARS else line[:SIGNATURE_CHARS] + " …"


def rank_files(index: RepoIndex, mentioned: Iterable[str] = ()) -> dict[str, float]:
    """PageRank over "file A uses a name file B defines" edges, personalised towards ``mentioned``
    (file paths or identifiers named in the issue)."""
    files, mentioned = sorted(index.definitions), set(mentioned)
    if not files:
        return {}
    where = index.defined_in()
    edges: dict[str, Counter[str]] = {f: Counter() for f in files}
    for src, used in index.uses.items():
        for name, n in used.items():
            for dst in where.get(name, ()):
                if dst != src:
                    edges[src][dst] += n
    boost = {f for f in files if f in mentioned or any(s.name in mentioned for s in index.definitions[f])}
    personal = {f: (10.0 if f in boost else 1.0) for f in files}
    total = sum(personal.values())
    personal = {f: v / total for f, v in personal.items()}
    rank = dict(personal)
    for _ in range(30):
        nxt = {f: 0.15 * personal[f] for f in files}
        for src in files:
            out = sum(edges[src].values())
            if not out:
                for f in files:
                    nxt[f] += 0.85 * rank[src] * personal[f]
                continue
            for dst, w in edges[src].items():
                nxt[dst] += 0.85 * rank[src] * w / out
        rank = nxt
    return rank


def identifiers(text: str) -> set[str]:
    """Words in free text that look like code: paths, snake_case, CamelCase, dotted names."""
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_./]*", text))
    out = set()
    for w in words:
        w = w.strip("./")
        if "_" in w or "/" in w or "." in w or any(c.isupper() for c in w[1:]):
            out.add(w)
            out.update(p for p in re.split(r"[./]", w) if p)
    return out


def repo_map(index: RepoIndex, *, mentioned: Iterable[str] = (), budget: int = 1024) -> str:
    """The map text: files by rank, each with its definitions in file order, within ``budget``
    tokens."""
    ranks = rank_files(index, mentioned)
    refs: Counter[str] = Counter()
    for used in index.uses.values():
        refs.update(used)
    parts: list[str] = []
    spent = 0
    for file in sorted(ranks, key=lambda f: (-ranks[f], f)):
        symbols = sorted(index.definitions[file], key=lambda s: s.line)
        block = "\n".join([f"{file}:"] + [f"  {s.line:>4}│{s.signature}" for s in symbols])
        cost = len(block) // 3 + 1
        if spent + cost > budget:
            if spent + len(file) // 3 + 2 <= budget:
                parts.append(f"{file}: …")
                spent += len(file) // 3 + 2
            continue
        parts.append(block)
        spent += cost
    return "\n".join(parts)
