"""The repo map and callers on tree-sitter: Python read as ``ast`` reads it, JavaScript and
TypeScript beside it, files that do not parse kept for what the parser recovers."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

import sparring
from sparring.repo import Symbol, callers, index_repo, rank_files, repo_map
from sparring.repo.syntax import GRAMMARS, language_of, tags


def ast_reading(source: str, file: str) -> tuple[list[Symbol], Counter[str], Counter[tuple[str, int]]]:
    """The map's raw material as it was read with Python's ``ast``: top-level classes and functions,
    the methods of top-level classes, every Name, Attribute and imported name used; and the calls
    ``callers`` found (``f(...)`` and ``obj.f(...)``, by line)."""
    tree, lines = ast.parse(source), source.splitlines()

    def symbol(node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef, kind: str) -> Symbol:
        return Symbol(node.name, file, node.lineno, kind, lines[node.lineno - 1].rstrip())

    symbols = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            symbols.append(symbol(node, "class"))
            symbols += [
                symbol(item, "method")
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            symbols.append(symbol(node, "def"))
    uses: Counter[str] = Counter()
    calls: Counter[tuple[str, int]] = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            calls[node.func.id if isinstance(node.func, ast.Name) else node.func.attr, node.lineno] += 1
        if isinstance(node, ast.Name):
            uses[node.id] += 1
        elif isinstance(node, ast.Attribute):
            uses[node.attr] += 1
        elif isinstance(node, ast.alias) and node.name != "*":
            uses[node.name.rsplit(".", 1)[-1]] += 1
    return symbols, uses, calls


EVERY_CONSTRUCT = '''"""A module that uses most of the syntax that names things."""
from __future__ import annotations

import os.path as osp, json
import xml.etree.ElementTree
from .sibling import helper as aid, other
from . import peer
from typing import *


@decorator(option=1)
class Base(Mixin, metaclass=Meta):
    attr: int = 0

    @property
    async def value(self, *args: int, key: str = "k", **kwargs) -> Result:
        global counter
        return await aid(self.attr, *args, key=key, **kwargs)

    class Inner:
        def hidden(self): ...

    def method(self, a, b=2, /, c=3, *, d):
        def nested(x, y=lambda q, *r, **s: q + len(r)):
            nonlocal a
            return x
        try:
            [item.name for item in other(a) if item]
        except (KeyError, ValueError) as err:
            raise Problem(f"{err!r:{width}} {peer.value}") from err
        with open(osp.join(d, "f")) as handle, lock:
            data, *rest = json.load(handle)
        match data:
            case Point(x=0, y=yy) | [1, *tail] | {"k": vv, **others} as whole:
                return yy, tail, vv, others, whole
            case Colour.RED | str() as text:
                return text
            case _:
                return xml.etree.ElementTree.fromstring(c)


def top(n: int = DEFAULT) -> list[Base]:
    return [Base.method(i) for i in range(n)]


if TYPE_CHECKING:
    def conditional(): ...
'''


def test_python_reads_as_ast_did_on_a_module_that_names_things_every_way(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(EVERY_CONSTRUCT)
    index = index_repo(tmp_path, ["mod.py"])
    symbols, uses, calls = ast_reading(EVERY_CONSTRUCT, "mod.py")
    assert [s.name for s in symbols] == ["Base", "value", "method", "top"]
    assert index.definitions["mod.py"] == symbols
    assert index.uses["mod.py"] == uses
    assert Counter(tags(EVERY_CONSTRUCT, "python").calls) == calls and len(calls) == 11


def test_python_reads_as_ast_did_on_the_packages_own_sources() -> None:
    root = Path(sparring.__file__).parent
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*.py"))
    index = index_repo(root, files)
    assert len(files) > 50 and sorted(index.definitions) == files
    for file in files:
        text = (root / file).read_text(encoding="utf-8")
        symbols, uses, calls = ast_reading(text, file)
        assert (file, index.definitions[file]) == (file, symbols)
        assert (file, index.uses[file]) == (file, uses)
        assert (file, Counter(tags(text, "python").calls)) == (file, calls)


MODELS = """class User:
    def __init__(self, name):
        self.name = name

    def display_name(self):
        return self.name.title()


def load_user(name):
    return User(name)
"""

VIEWS = """from app.models import load_user


def show(name):
    # load_user(name) once took an id
    return load_user(name).display_name()
"""

API = """export function fetchUser(id) {
  return request(`/users/${id}`);
}

export class Client {
  constructor(base) { this.base = base; }
  get(path) { return fetchUser(path); }
}

const request = (url) => fetch(url);
"""

MAIN = """import { fetchUser, Client } from "./api.js";

const client = new Client("/");
fetchUser(1).then((user) => client.get(user.name));
"""

SETTINGS = """import { Client } from "./api";

export interface Options { retries: number }
export function makeClient(options: Options): Client {
  return new Client(String(options.retries));
}
"""

ADMIN = """import { Client } from "./api.js";

export const adminClient = () => new Client("/admin");
"""

BROKEN = """def good():
    return 1


def broken(x:
    pass


class Later:
    def method(self):
        return good()


def after():
    return load_user("x")
"""

MIXED = {
    "app/models.py": MODELS,
    "app/views.py": VIEWS,
    "app/broken.py": BROKEN,
    "web/api.js": API,
    "web/main.js": MAIN,
    "web/admin.js": ADMIN,
    "web/settings.ts": SETTINGS,
    "README.md": "# fetchUser(load_user())\n",
    "tools/run.rb": "def fetchUser; end\n",
}


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    for name, text in MIXED.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def names(symbols: list[Symbol]) -> list[tuple[str, str, int]]:
    return [(s.name, s.kind, s.line) for s in symbols]


def test_a_mixed_repository_gets_definitions_in_each_language_and_skips_the_others(mixed: Path) -> None:
    index = index_repo(mixed, sorted(MIXED))
    assert sorted(index.definitions) == [
        "app/broken.py",
        "app/models.py",
        "app/views.py",
        "web/admin.js",
        "web/api.js",
        "web/main.js",
        "web/settings.ts",
    ]
    assert names(index.definitions["app/models.py"]) == [
        ("User", "class", 1),
        ("__init__", "method", 2),
        ("display_name", "method", 5),
        ("load_user", "def", 9),
    ]
    assert names(index.definitions["web/api.js"]) == [
        ("fetchUser", "def", 1),
        ("Client", "class", 5),
        ("constructor", "method", 6),
        ("get", "method", 7),
        ("request", "def", 10),
    ]
    assert index.definitions["web/api.js"][3].signature == "  get(path) { return fetchUser(path); }"
    assert names(index.definitions["web/settings.ts"]) == [("Options", "type", 3), ("makeClient", "def", 4)]
    assert index.definitions["web/main.js"] == []
    main = index.uses["web/main.js"]
    assert (main["fetchUser"], main["Client"], main["get"], main["client"]) == (2, 2, 1, 2)
    api = index.uses["web/api.js"]
    assert (api["id"], api["path"], api["base"]) == (1, 1, 2)  # uses only: a parameter is not one
    settings = index.uses["web/settings.ts"]
    assert (settings["Client"], settings["Options"], settings["retries"]) == (3, 1, 1)
    assert "options" in settings and "makeClient" not in settings  # used, and only defined


def test_ranking_puts_the_file_the_others_use_first(mixed: Path) -> None:
    index = index_repo(mixed, sorted(MIXED))
    ranks = rank_files(index)
    order = sorted(ranks, key=lambda f: (-ranks[f], f))
    assert order[0] == "web/api.js"  # three files use it
    assert ranks["app/models.py"] > ranks["app/views.py"]  # views.py and broken.py use it
    text = repo_map(index, budget=1024)
    assert text.startswith("web/api.js:\n     1│export function fetchUser(id) {\n")
    assert "app/models.py:\n     1│class User:\n     2│    def __init__(self, name):" in text
    mentioned = repo_map(index, mentioned={"display_name"}, budget=1024)  # named in the issue
    assert mentioned.startswith("app/models.py:\n     1│class User:\n")


def test_a_python_file_that_does_not_parse_keeps_its_other_definitions(mixed: Path) -> None:
    with pytest.raises(SyntaxError):
        ast.parse(BROKEN)  # it used to be left out of the map
    index = index_repo(mixed, ["app/broken.py", "app/models.py"])
    assert names(index.definitions["app/broken.py"]) == [
        ("good", "def", 1),
        ("Later", "class", 9),
        ("method", "method", 10),
        ("after", "def", 14),
    ]
    assert index.uses["app/broken.py"]["load_user"] == 1
    assert [str(h) for h in callers(mixed, sorted(MIXED), "good")] == ["app/broken.py:11: return good()"]


def test_callers_are_call_nodes_in_each_language_not_text_matches(mixed: Path) -> None:
    files = sorted(MIXED)
    assert [str(h) for h in callers(mixed, files, "load_user")] == [
        'app/broken.py:15: return load_user("x")',
        "app/views.py:6: return load_user(name).display_name()",  # not the comment above it
    ]
    assert [str(h) for h in callers(mixed, files, "fetchUser")] == [
        "web/api.js:7: get(path) { return fetchUser(path); }",
        "web/main.js:4: fetchUser(1).then((user) => client.get(user.name));",
    ]
    assert [(h.file, h.line) for h in callers(mixed, files, "Client")] == [
        ("web/admin.js", 3),
        ("web/main.js", 3),
        ("web/settings.ts", 5),
    ]  # new Client(...), and not the import or the return type
    assert [(h.file, h.line) for h in callers(mixed, files, "get")] == [("web/main.js", 4)]
    assert len(callers(mixed, files, "fetchUser", limit=1)) == 1


def test_a_minified_line_is_cut_in_the_map(tmp_path: Path) -> None:
    line = "function pack(" + ", ".join(f"a{i}" for i in range(100)) + ") { return a0; }"
    (tmp_path / "bundle.min.js").write_text(line + "\n")
    (symbol,) = index_repo(tmp_path, ["bundle.min.js"]).definitions["bundle.min.js"]
    assert symbol.name == "pack" and symbol.signature == line[:200] + " …"


@pytest.mark.parametrize("language", sorted(GRAMMARS))
def test_every_grammar_loads_its_query_and_reads_an_empty_file(language: str) -> None:
    found = tags("", language)
    assert (found.definitions, found.references, found.calls) == ([], Counter(), [])


def test_languages_by_suffix() -> None:
    expected = {"a.py": "python", "b.jsx": "javascript", "c.mjs": "javascript", "d.ts": "typescript"}
    expected |= {"e.tsx": "tsx", "f.pyi": None, "g.rb": None, "Makefile": None}
    assert {f: language_of(f) for f in expected} == expected
