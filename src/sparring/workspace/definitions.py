"""Whole definitions in a code block, taken as an edit: what small models write instead of
SEARCH/REPLACE blocks (Aider gives such models a "whole file" format for the same reason).

    pages/ranges.py
    ```python
    def parse_range(text):
        ...the fixed function...
    ```

Each top-level function, class or single-name assignment in the block replaces the one of the same
name in the file; a class the block gives only some methods of has just those methods replaced (new
ones are added at its end); a definition sent without decorators keeps the file's; imports the file
lacks go after its imports; new functions the changed code uses go at the end and new constants
after the imports (other new code, such as a test written alongside, is left out). A function whose
body is only ``...`` stands for the existing one and is left alone. A block that defines every
top-level definition of the file, with no fewer top-level statements and no placeholders, is the
file's new content. A block the reply was cut off in keeps its finished definitions (the last one,
which the limit cut through, is dropped). A block whose definitions name nothing in the file, or
leave its syntax tree as it was, is not an edit of it. Python files only: every merge goes through
``ast``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sparring.pyparse import parse_module

_OPEN = re.compile(r"^\s*```[ \t]*([A-Za-z0-9_+-]*)[^\n]*$")
_CLOSE = re.compile(r"^\s*```\s*$")
_PY_LANGS = ("", "python", "py", "python3")
_PY_PATH = re.compile(r"[\w./-]+\.py\b")
_PATH_COMMENT = re.compile(r"^#\s*(?:file(?:name)?:?\s*)?([\w./-]+\.py)\s*$", re.I)

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Assign


class Refused(Exception):
    """An edit that cannot be applied; the message says why and what to send instead."""


@dataclass(frozen=True)
class CodeBlock:
    """Python code in a fence; ``path`` is "" when the reply named no file, ``cut`` when the reply
    ended inside the block."""

    path: str
    code: str
    cut: bool = False


def parse_code_blocks(text: str) -> list[CodeBlock]:
    """Every Python (or unlabelled) fenced block in a reply, with the path named on the lines above
    it or in its first-line comment; a fence the reply never closed is ``cut``."""
    lines = text.splitlines()
    out: list[CodeBlock] = []
    i = 0
    while i < len(lines):
        opened = _OPEN.match(lines[i])
        if not opened:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not _CLOSE.match(lines[j]):
            j += 1
        body = lines[i + 1 : j]
        if opened.group(1).lower() in _PY_LANGS and any(b.strip() for b in body):
            path = _path_named(lines[max(0, i - 3) : i], body)
            out.append(CodeBlock(path, "\n".join(body) + "\n", cut=j >= len(lines)))
        i = j + 1
    return out


def _path_named(above: Sequence[str], body: Sequence[str]) -> str:
    if body and (m := _PATH_COMMENT.match(body[0].strip())):
        return m.group(1)
    for line in reversed(above):
        found = _PY_PATH.findall(line)
        if found:
            return str(found[-1]).removeprefix("./")
    return ""


def names(code: str, *, cut: bool = False) -> list[str]:
    """The top-level names a block defines ([] when it is not Python)."""
    try:
        return [n for n, _ in _definitions(_block(code, cut=cut)[0])]
    except Refused:
        return []


def choose_path(block: CodeBlock, exists: Callable[[str], str | None], shown: Sequence[str]) -> str:
    """The file a block edits: the named one when it exists, else the one shown file that defines
    one of the block's names."""
    if block.path and exists(block.path) is not None:
        return block.path
    wanted = set(names(block.code, cut=block.cut))
    owners = [
        f
        for f in shown
        if f.endswith(".py") and (text := exists(f)) is not None and wanted & set(names(text))
    ]
    if len(owners) == 1:
        return owners[0]
    if block.path:
        known = f" (the files you were shown: {', '.join(shown)})" if shown else ""
        raise Refused(f"{block.path}: the file does not exist{known}")
    if not owners:
        raise Refused("a code block names no file: put the file's path alone on the line above it")
    raise Refused(f"a code block names no file and {', '.join(owners)} all define its names; name the file")


def merge(current: str, block: CodeBlock) -> str:
    """The file's new content with the block's definitions merged in; ``Refused`` says why not."""
    text = _merged(current, block)
    if text == current or _same_code(text, current):
        raise Refused("the code block changes nothing in the file's code; send the changed lines")
    return text


def _same_code(new: str, old: str) -> bool:
    """The same syntax tree: only layout or comments differ, which fixes nothing."""
    try:
        return ast.dump(parse_module(new)) == ast.dump(parse_module(old))
    except SyntaxError:
        return False


def _merged(current: str, block: CodeBlock) -> str:
    module, lines = _block(block.code, cut=block.cut)
    try:
        tree = parse_module(current)
    except SyntaxError:
        raise Refused("the file is not valid Python; use SEARCH/REPLACE blocks for it") from None
    file_defs = dict(_definitions(tree))
    new_defs = _definitions(module)
    if not new_defs:
        raise Refused("the code block defines no function or class; send the whole changed function")
    placeholders = {
        n for n, node in new_defs if _is_placeholder(node) and not _is_placeholder(file_defs.get(n))
    }
    new_defs = [(n, node) for n, node in new_defs if n not in placeholders]  # "..." stands for "unchanged"
    if (
        not any(map(_is_placeholder, ast.walk(module)))
        and not block.cut
        and _has_def(file_defs)
        and {n for n, _ in new_defs} >= set(file_defs)
        and len(module.body) >= len(tree.body)
    ):
        return block.code  # the whole file: every definition and no fewer statements
    if not new_defs:
        raise Refused("every definition in the code block is a `...` placeholder; send the changed code")
    if not any(n in file_defs for n, _ in new_defs):
        listed = ", ".join(n for n, _ in new_defs)
        raise Refused(
            f"the code block defines {listed}, none of which is in the file; send the changed function "
            "whole, under its existing name, or a SEARCH/REPLACE block"
        )
    old_lines = current.splitlines(keepends=True)
    swaps: list[tuple[int, int, list[str]]] = []  # (first line index, end index, new lines)
    tail: list[str] = []
    constants: list[str] = []
    needed = _used_by([node for n, node in new_defs if n in file_defs])
    for name, node in new_defs:
        text = _segment(lines, node)
        old = file_defs.get(name)
        if old is None:
            if name in needed:  # a new helper the changed code calls; anything else (a test, a demo) is not
                (constants if isinstance(node, ast.Assign) else tail).append(text)
        elif isinstance(node, ast.ClassDef) and isinstance(old, ast.ClassDef) and not _covers(node, old):
            swaps += _method_swaps(lines, node, old, old_lines)
        else:
            swaps.append((_replaced_from(old, node), _end(old), _with_newline(text)))
    imports = _missing_imports(lines, module, tree)
    at = _after_imports(tree)
    if imports or constants:
        insert = [
            *imports,
            *(["\n"] if constants else []),
            *(ln for c in constants for ln in _with_newline(c)),
        ]
        swaps.append((at, at, insert))
    result = list(old_lines)
    for first, end, new in sorted(swaps, key=lambda s: (s[0], s[1]), reverse=True):
        result[first:end] = new
    text = "".join(result)
    if tail:
        text = text.rstrip("\n") + "\n\n\n" + "\n\n\n".join(t.rstrip("\n") for t in tail) + "\n"
    return text


def _is_placeholder(node: ast.AST | None) -> bool:
    """A function whose body is only ``...`` (after its docstring): shorthand for the existing body."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    return (
        len(body) == 1
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and body[0].value.value is Ellipsis
    )


def _used_by(nodes: Sequence[ast.stmt]) -> set[str]:
    """Every name the given definitions use (one level: the helpers a fix brings along)."""
    return {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for node in nodes for n in ast.walk(node) if isinstance(n, ast.Attribute)
    }


def _block(code: str, *, cut: bool) -> tuple[ast.Module, list[str]]:
    """The block parsed; a cut block loses its unfinished tail and the statement it cut through."""
    lines = code.splitlines(keepends=True)
    if not cut:
        try:
            return parse_module(code), lines
        except SyntaxError as exc:
            raise Refused(f"the code block is not valid Python (line {exc.lineno}: {exc.msg})") from None
    starts = [i for i, ln in enumerate(lines) if ln[:1] not in ("", " ", "\t", "\n", "#", ")", "]", "}")]
    for k in reversed([*starts, len(lines)]):
        try:
            module = parse_module("".join(lines[:k]))
        except SyntaxError:
            continue
        module.body = module.body[:-1]  # the limit cut through the last statement it reached
        if _definitions(module):
            return module, lines
        break
    raise Refused("the reply was cut off before any definition in its code block was finished")


def _definitions(module: ast.Module) -> list[tuple[str, Definition]]:
    out: list[tuple[str, Definition]] = []
    for node in module.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.append((node.name, node))
        elif (
            isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        ):
            out.append((node.targets[0].id, node))
    return out


def _has_def(defs: dict[str, Definition]) -> bool:
    return any(not isinstance(d, ast.Assign) for d in defs.values())


def _start(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)]) - 1


def _replaced_from(old: ast.stmt, new: ast.stmt) -> int:
    """Where the replacement starts: the old decorators go only when the new definition has its own."""
    return _start(old) if getattr(new, "decorator_list", []) else old.lineno - 1


def _end(node: ast.stmt) -> int:
    return node.end_lineno or node.lineno


def _segment(lines: Sequence[str], node: ast.stmt) -> str:
    return "".join(lines[_start(node) : _end(node)])


def _with_newline(text: str) -> list[str]:
    return (text if text.endswith("\n") else text + "\n").splitlines(keepends=True)


def _methods(cls: ast.ClassDef) -> dict[str, ast.stmt]:
    return {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def _covers(new: ast.ClassDef, old: ast.ClassDef) -> bool:
    """The block's class has every method of the file's, none as a placeholder: it is the whole class."""
    return set(_methods(new)) >= set(_methods(old)) and not any(map(_is_placeholder, _methods(new).values()))


def _method_swaps(
    lines: Sequence[str], new: ast.ClassDef, old: ast.ClassDef, old_lines: Sequence[str]
) -> list[tuple[int, int, list[str]]]:
    swaps: list[tuple[int, int, list[str]]] = []
    have = _methods(old)
    for name, method in _methods(new).items():
        if _is_placeholder(method) and not _is_placeholder(have.get(name)):
            continue
        text = _with_newline(_segment(lines, method))
        if name in have:
            swaps.append((_replaced_from(have[name], method), _end(have[name]), text))
        else:
            swaps.append((_end(old), _end(old), ["\n", *text]))
    return swaps


def _missing_imports(lines: Sequence[str], module: ast.Module, tree: ast.Module) -> list[str]:
    have = {ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)}
    out = []
    for node in module.body:
        if isinstance(node, ast.Import | ast.ImportFrom) and ast.unparse(node) not in have:
            out += _with_newline(_segment(lines, node))
    return out


def _after_imports(tree: ast.Module) -> int:
    """The line index after the file's last top-level import (or its docstring, or 0)."""
    at = 0
    for i, node in enumerate(tree.body):
        docstring = i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if not (docstring or isinstance(node, ast.Import | ast.ImportFrom)):
            break
        at = _end(node)
    return at
