"""Turn a model's free-form reply into a runnable solution module for a function task.

Small models wrap code in prose, repeat the prompt, omit imports, or add demo calls at the bottom.
This keeps the code that defines things and drops the rest, so a good answer is not lost to format.
"""

from __future__ import annotations

import ast
import re
import textwrap

from sparring.pyparse import parse_module

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_KEEP = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
    ast.Try,
)


def fenced_code(text: str) -> list[str]:
    """Fenced blocks labelled python or unlabelled, in order (an unclosed last fence counts)."""
    return [body for lang, body in _FENCE.findall(text) if lang.lower() in ("", "python", "py", "python3")]


def outside_fences(text: str) -> str:
    """The text with its fenced blocks cut out (line breaks kept)."""
    return _FENCE.sub("\n", text)


def prose(text: str) -> str:
    """The text outside fenced blocks, whitespace collapsed."""
    return " ".join(outside_fences(text).split())


def code_blocks(text: str) -> list[str]:
    """Fenced blocks (python or unlabeled) in order; the whole text when there are none."""
    return fenced_code(text) or [text]


def defines(code: str, name: str) -> bool:
    return re.search(rf"^\s*(async\s+)?def\s+{re.escape(name)}\s*\(", code, re.MULTILINE) is not None


def _header(prompt: str, entry_point: str) -> str:
    """What the prompt defines before the target function: imports and helper functions."""
    match = re.search(rf"^(async\s+)?def\s+{re.escape(entry_point)}\s*\(", prompt, re.MULTILINE)
    return prompt[: match.start()] if match else ""


def _keep_definitions(code: str) -> str:
    """Drop top-level demo calls, prints, asserts and ``if __name__`` blocks; keep definitions."""
    try:
        tree = parse_module(code)
    except SyntaxError:
        return code
    kept = [node for node in tree.body if isinstance(node, _KEEP) or _is_setup_call(node)]
    if len(kept) == len(tree.body):
        return code
    lines = code.splitlines()
    parts = []
    for node in kept:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        parts.append("\n".join(lines[start - 1 : node.end_lineno]))
    return "\n\n".join(parts) + "\n"


def _is_setup_call(node: ast.stmt) -> bool:
    """Module-level calls that configure rather than demonstrate (``sys.setrecursionlimit(...)``)."""
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    func = node.value.func
    return isinstance(func, ast.Attribute) and func.attr in ("setrecursionlimit", "seed")


def solution_from_reply(prompt: str, entry_point: str, reply: str) -> str:
    """The best-effort solution module: prompt header + the code block that defines ``entry_point``."""
    blocks = code_blocks(reply)
    defining = [b for b in blocks if defines(b, entry_point)]
    header = _header(prompt, entry_point)
    if defining:
        code = max(defining, key=len)
    else:
        header = ""  # the prompt, header included, is already part of the code
        body = max(blocks, key=len)
        # A bare function body: graft it onto the prompt's signature and docstring.
        indented = textwrap.indent(textwrap.dedent(body), "    ")
        code = prompt.rstrip() + "\n" + indented
    code = _keep_definitions(code)
    header = _missing_from(header, code)
    module = (header.rstrip() + "\n\n\n" + code.strip() + "\n") if header.strip() else code.strip() + "\n"
    return with_missing_imports(module)


# Standard-library modules a function body commonly uses without importing them: a reply continued
# from the prompt's signature cannot put an import above it.
_STDLIB = frozenset({
    "bisect", "collections", "copy", "datetime", "decimal", "fractions", "functools", "hashlib",
    "heapq", "itertools", "math", "operator", "random", "re", "statistics", "string", "sys",
})  # fmt: skip


def with_missing_imports(code: str) -> str:
    """``code`` with ``import m`` added for each common standard-library module ``m`` it uses as
    ``m.attr`` without binding the name anywhere (an import, an assignment, a parameter)."""
    try:
        tree = parse_module(code)
    except SyntaxError:
        return code
    used: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in _STDLIB:
            used.add(node.value.id)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    missing = sorted(used - bound)
    if not missing:
        return code
    future = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
    lines = code.splitlines(keepends=True)
    at = max((n.end_lineno or n.lineno for n in future), default=0)  # after any __future__ import
    return "".join(lines[:at]) + "".join(f"import {name}\n" for name in missing) + "".join(lines[at:])


def _missing_from(header: str, code: str) -> str:
    """The prompt's header minus the import lines the code already has (helpers are always kept:
    the prompt's version is the specified one, and a redefinition in the code still wins)."""
    present = {line.strip() for line in code.splitlines()}
    return "\n".join(
        line
        for line in header.splitlines()
        if not (line.startswith(("import ", "from ")) and line.strip() in present)
    )
