"""Source files read with tree-sitter: what a file defines, which names it uses, what it calls.

The repo map and ``callers`` share it. Each language has a grammar (a wheel on PyPI) and query
files in ``queries/`` (JavaScript and TypeScript share ``ecmascript.scm``) whose captures say what
counts:

- ``@definition.<kind>``: the name of a module-level definition; the kind is ``class``, ``def``,
  ``method`` (of a module-level class) or ``type`` (TypeScript's interfaces, type aliases, enums);
- ``@reference``: an identifier the file uses, unless the same node is also captured as
  ``@ignore`` (a parameter, a keyword argument's name, an import's alias...) or is a definition's
  name;
- ``@call`` with ``@call.name``: a call and the name it calls (``f(...)``, ``obj.f(...)``).

Languages, by file suffix: Python (``.py``), JavaScript (``.js .jsx .mjs .cjs``), TypeScript
(``.ts .mts .cts``) and TSX (``.tsx``). Tree-sitter recovers from syntax errors, so a file that
does not parse still gives the definitions, uses and calls outside the broken part.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path, PurePosixPath

import tree_sitter_javascript
import tree_sitter_python
import tree_sitter_typescript
from tree_sitter import Language, Node, Parser, Query, QueryCursor

# language → (the grammar, its query files, read in order as one query)
GRAMMARS: dict[str, tuple[Callable[[], object], tuple[str, ...]]] = {
    "python": (tree_sitter_python.language, ("python.scm",)),
    "javascript": (tree_sitter_javascript.language, ("ecmascript.scm", "javascript.scm")),
    "typescript": (tree_sitter_typescript.language_typescript, ("ecmascript.scm", "typescript.scm")),
    "tsx": (tree_sitter_typescript.language_tsx, ("ecmascript.scm", "typescript.scm")),
}

SUFFIXES: dict[str, str] = {
    ".py": "python",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
}


def language_of(path: str) -> str | None:
    """The language of a file by its suffix, or None when no grammar reads it."""
    return SUFFIXES.get(PurePosixPath(path).suffix)


def read_source(path: Path) -> str | None:
    """A source file's text with universal newlines (undecodable bytes replaced), or None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class Definition:
    name: str
    line: int  # 1-based: the line of the name
    kind: str


@dataclass
class Tags:
    """What one file defines (in file order), the names it uses with their counts, and its calls."""

    definitions: list[Definition] = field(default_factory=list)
    references: Counter[str] = field(default_factory=Counter)
    calls: list[tuple[str, int]] = field(default_factory=list)  # (name called, line the call starts on)


@cache
def _grammar(language: str) -> tuple[Language, Query]:
    make, query_files = GRAMMARS[language]
    lang = Language(make())
    queries = resources.files("sparring.repo").joinpath("queries")
    text = "\n".join(queries.joinpath(name).read_text(encoding="utf-8") for name in query_files)
    return lang, Query(lang, text)


def tags(text: str, language: str) -> Tags:
    """Parse ``text`` as ``language`` (a key of ``GRAMMARS``) and collect its tags."""
    lang, query = _grammar(language)
    source = text.encode("utf-8")
    tree = Parser(lang).parse(source)

    def name(node: Node) -> str:
        s = source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")
        return s if s.isascii() else unicodedata.normalize("NFKC", s)  # as Python reads identifiers

    out = Tags()
    definitions: dict[int, Definition] = {}  # by the name's start byte
    used: list[Node] = []
    skip: set[int] = set()
    for _, match in QueryCursor(query).matches(tree.root_node):
        if "call" in match:
            call, called = match["call"][0], match["call.name"][0]
            out.calls.append((name(called), call.start_point.row + 1))
            continue
        for capture, nodes in match.items():
            if capture.startswith("definition."):
                kind = capture.removeprefix("definition.")
                for n in nodes:
                    definitions[n.start_byte] = Definition(name(n), n.start_point.row + 1, kind)
            elif capture == "reference":
                used.extend(nodes)
            elif capture == "ignore":
                skip.update(n.start_byte for n in nodes)
    skip.update(definitions)
    out.definitions = [definitions[b] for b in sorted(definitions)]
    out.references = Counter(name(n) for n in used if n.start_byte not in skip)
    return out
