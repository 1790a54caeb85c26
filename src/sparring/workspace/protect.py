"""Protected tests: agents may add tests but not delete, rename or weaken the ones that exist.

The harness takes an inventory of the test functions before the agents edit (``path::Class::test``
→ a digest of the function's syntax tree, so reformatting is not a change) and compares it after.
A test that disappeared or whose body changed is a violation; the workflow undoes the edit.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sparring.pyparse import parse_module

TestInventory = dict[str, str]


def is_test_file(name: str) -> bool:
    p = PurePosixPath(name)
    return p.suffix == ".py" and (
        p.name.startswith("test_") or p.stem.endswith("_test") or p.name == "conftest.py"
    )


def inventory(root: Path, files: Iterable[str]) -> TestInventory:
    """Every test function (and conftest fixture) in the test files among ``files``, with a digest."""
    out: TestInventory = {}
    for name in files:
        if not is_test_file(name):
            continue
        path = root / name
        if not path.is_file():
            continue
        try:
            tree = parse_module(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            out[f"{name}::<module>"] = "unparsable"
            continue
        out.update(_tests_in(name, tree.body, conftest=PurePosixPath(name).name == "conftest.py"))
    return out


def _tests_in(prefix: str, body: list[ast.stmt], *, conftest: bool) -> TestInventory:
    out: TestInventory = {}
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
            node.name.startswith("test") or conftest
        ):
            out[f"{prefix}::{node.name}"] = _digest(node)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            out.update(_tests_in(f"{prefix}::{node.name}", node.body, conftest=False))
    return out


def _digest(node: ast.AST) -> str:
    return hashlib.sha256(ast.dump(node, include_attributes=False).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Violation:
    test: str
    what: str  # "deleted" or "modified"

    def describe(self) -> str:
        return f"{self.test} was {self.what}"


def violations(before: TestInventory, after: TestInventory) -> list[Violation]:
    """Tests of ``before`` missing from ``after`` or changed in it; new tests are fine."""
    out = []
    for test, digest in before.items():
        if test not in after:
            out.append(Violation(test, "deleted"))
        elif after[test] != digest:
            out.append(Violation(test, "modified"))
    return out
