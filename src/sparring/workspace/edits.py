"""Edits agents propose, applied strictly: search/replace blocks and unified diffs.

    path/to/file.py
    <<<<<<< SEARCH
    exact lines now in the file
    =======
    the lines to put there instead
    >>>>>>> REPLACE

A SEARCH text must occur exactly once in the file (an empty SEARCH creates a new file); a block
without its ``=======`` or ``>>>>>>> REPLACE`` line is ``Unfinished`` and refused. A unified diff, in
a ``diff`` fence or an unlabelled fence that starts with its ``---``/``+++`` headers, must pass
``git apply --check``. One reply's edits apply all together or not at all, and every
failure says why and how to repair it, so the coder can answer the failures alone. Paths are checked
before anything is written: absolute paths, ``..``, symlinks out of the tree and ``.git`` are refused.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sparring.errors import TaskError
from sparring.workspace.definitions import CodeBlock, Refused, choose_path, merge, parse_code_blocks
from sparring.workspace.git import git
from sparring.workspace.worktree import PathEscape, inside

_SEARCH = re.compile(r"^\s*<{5,9} ?SEARCH\s*$", re.I)
_DIVIDER = re.compile(r"^\s*={5,9}\s*$")
_REPLACE = re.compile(r"^\s*>{5,9} ?REPLACE\s*$", re.I)
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)```", re.S)
_DIFF_LANGS = ("diff", "patch", "udiff")
_DIFF_START = re.compile(r"\A\s*(?:diff --git [^\n]*\n(?:[^\n]*\n){0,4}?)?--- \S[^\n]*\n\+\+\+ \S")
_DIFF_FILE = re.compile(r"^(---|\+\+\+) (\S+)", re.M)


@dataclass(frozen=True)
class SearchReplace:
    path: str
    search: str
    replace: str


@dataclass(frozen=True)
class UnifiedDiff:
    text: str

    def paths(self) -> list[str]:
        out = []
        for _, name in _DIFF_FILE.findall(self.text):
            if name != "/dev/null":
                out.append(name[2:] if name.startswith(("a/", "b/")) else name)
        return list(dict.fromkeys(out))


@dataclass(frozen=True)
class Unfinished:
    """A SEARCH block the reply never finished: no ``=======`` or no ``>>>>>>> REPLACE`` line."""

    path: str


Edit = SearchReplace | UnifiedDiff | Unfinished | CodeBlock


@dataclass(frozen=True)
class EditFailure:
    edit: Edit
    reason: str

    def describe(self) -> str:
        edit = self.edit
        where = ", ".join(edit.paths()) if isinstance(edit, UnifiedDiff) else edit.path
        return f"{where}: {self.reason}" if where else self.reason


@dataclass
class Applied:
    """The outcome of applying one reply's edits: all of them (``ok``) or none, with the reasons."""

    changed: list[str] = field(default_factory=list)
    failures: list[EditFailure] = field(default_factory=list)
    before: dict[str, str | None] = field(default_factory=dict)  # path -> content before (None: absent)

    @property
    def ok(self) -> bool:
        return not self.failures and bool(self.changed)

    def feedback(self) -> str:
        if not self.failures:
            return ""
        lines = ["None of your edits were applied, because:"]
        lines += [f"- {f.describe()}" for f in self.failures]
        return "\n".join(lines)

    def undo(self, root: Path) -> None:
        """Put every changed file back as it was before these edits."""
        for name, text in self.before.items():
            target = inside(root, name)
            if text is None:
                target.unlink(missing_ok=True)
            else:
                target.write_text(text, encoding="utf-8")


def parse_edits(text: str) -> list[Edit]:
    """Every search/replace block and every unified diff in a reply, in order of appearance, and an
    ``Unfinished`` for a SEARCH block cut short (it can only be the last). A reply with neither has
    its Python code blocks as edits: whole definitions that replace the file's (``definitions``)."""
    edits: list[Edit] = [
        UnifiedDiff(body if body.endswith("\n") else body + "\n")
        for lang, body in _FENCE.findall(text)
        if lang.lower() in _DIFF_LANGS or (not lang and _DIFF_START.match(body))
    ]
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if not _SEARCH.match(lines[i]):
            i += 1
            continue
        path = _path_before(lines, i)
        j = i + 1
        while j < len(lines) and not _DIVIDER.match(lines[j]):
            j += 1
        k = j + 1
        while k < len(lines) and not _REPLACE.match(lines[k]):
            k += 1
        if k >= len(lines):
            edits.append(Unfinished(path))
            break
        search, replace = lines[i + 1 : j], lines[j + 1 : k]
        edits.append(SearchReplace(path, _joined(search), _joined(replace)))
        i = k + 1
    return edits or list(parse_code_blocks(text))


def _joined(lines: list[str]) -> str:
    return "\n".join(lines) + "\n" if lines else ""


def _path_before(lines: list[str], i: int) -> str:
    for line in reversed(lines[max(0, i - 3) : i]):
        name = line.strip().strip("`*#:").strip()
        if name and not name.startswith(("```", "<<<", ">>>", "===")) and " " not in name:
            return name
    return ""


NO_EDITS = (
    "no edits found: answer with SEARCH/REPLACE blocks, a ```diff block, or the whole changed "
    "function in a ```python block with the file's path on the line above it"
)


def apply_edits(root: Path, edits: list[Edit], *, shown: Sequence[str] = ()) -> Applied:
    """Apply ``edits`` beneath ``root`` strictly, all or none; ``Applied.failures`` says what went wrong.
    ``shown`` are the files the author was shown, named when an edit is for a file that is not there."""
    result = Applied()
    if not edits:
        result.failures.append(EditFailure(UnifiedDiff(""), NO_EDITS))
        return result
    pending: dict[str, str | None] = {}  # new contents by path, computed in memory first
    diffs: list[UnifiedDiff] = []
    for edit in edits:
        try:
            if isinstance(edit, Unfinished):
                raise Refused("the block stops before its ======= or >>>>>>> REPLACE line; finish it")
            if isinstance(edit, SearchReplace):
                _plan_search_replace(root, edit, pending, result, shown)
            elif isinstance(edit, CodeBlock):
                _plan_code_block(root, edit, pending, result, shown)
            else:
                _check_diff(root, edit)
                diffs.append(edit)
        except (PathEscape, Refused) as exc:
            result.failures.append(EditFailure(edit, str(exc)))
    if result.failures:
        result.before.clear()
        return result
    for name, text in pending.items():
        target = inside(root, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text or "", encoding="utf-8")
        result.changed.append(name)
    for d in diffs:
        for name in d.paths():
            if name not in result.before:
                result.before[name] = _current(root, name)
        git(root, "apply", "--recount", "--whitespace=nowarn", "-", input=d.text)
        result.changed += [p for p in d.paths() if p not in result.changed]
    return result


def _current(root: Path, name: str) -> str | None:
    target = inside(root, name)
    return target.read_text(encoding="utf-8", errors="replace") if target.is_file() else None


def _plan_search_replace(
    root: Path, edit: SearchReplace, pending: dict[str, str | None], result: Applied, shown: Sequence[str]
) -> None:
    if not edit.path:
        raise Refused("no file path before <<<<<<< SEARCH; put the path alone on the line above it")
    inside(root, edit.path)
    if edit.path not in result.before:
        result.before[edit.path] = _current(root, edit.path)
    current = pending.get(edit.path, result.before[edit.path])
    if not edit.search.strip():
        if current is not None:
            raise Refused("an empty SEARCH creates a new file, but this one exists; quote lines to change")
        pending[edit.path] = edit.replace
        return
    if current is None:
        known = f" (the files you were shown: {', '.join(shown)})" if shown else ""
        raise Refused(f"the file does not exist{known}; to create a new file use an empty SEARCH section")
    starts = _line_aligned(current, edit.search)
    count = len(starts)
    if count == 1:
        at = starts[0]
        pending[edit.path] = current[:at] + edit.replace + current[at + len(edit.search) :]
        return
    if count > 1:
        raise Refused(f"the SEARCH text occurs {count} times; add surrounding lines to make it unique")
    raise Refused(_near_miss(current, edit.search))


def _plan_code_block(
    root: Path, block: CodeBlock, pending: dict[str, str | None], result: Applied, shown: Sequence[str]
) -> None:
    def now(name: str) -> str | None:
        inside(root, name)
        return pending[name] if name in pending else _current(root, name)

    path = choose_path(block, now, shown)
    if not path.endswith(".py"):
        raise Refused("a code block can only replace definitions in a Python file; use SEARCH/REPLACE")
    if path not in result.before:
        result.before[path] = _current(root, path)
    pending[path] = merge(now(path) or "", block)


def _line_aligned(text: str, search: str) -> list[int]:
    """Where ``search`` occurs starting at the start of a line (a file's last line may lack its newline)."""
    if not text.endswith("\n"):
        text += "\n"
    out, at = [], text.find(search)
    while at != -1:
        if at == 0 or text[at - 1] == "\n":
            out.append(at)
        at = text.find(search, at + 1)
    return out


def _near_miss(current: str, search: str) -> str:
    squash = [ln.strip() for ln in search.splitlines() if ln.strip()]
    file_lines = current.splitlines()
    stripped = [ln.strip() for ln in file_lines]
    for i in range(len(stripped) - len(squash) + 1):
        window = [s for s in stripped[i : i + len(squash) * 2] if s][: len(squash)]
        if window == squash:
            return (
                f"the SEARCH text does not match exactly; it matches lines {i + 1}-{i + len(squash)} "
                "only if whitespace/indentation is ignored. Copy those lines exactly as they are in the file"
            )
    first = squash[0] if squash else ""
    close = difflib.get_close_matches(first, stripped, n=1, cutoff=0.5)
    if close:
        line = stripped.index(close[0]) + 1
        return (
            f"the SEARCH text is not in the file; the closest line is {line}: "
            f"{file_lines[line - 1].strip()!r}. Quote the current file contents exactly"
        )
    return "the SEARCH text is not in the file; quote the current file contents exactly"


def _check_diff(root: Path, diff: UnifiedDiff) -> None:
    paths = diff.paths()
    if not paths:
        raise Refused("the diff names no file (--- a/PATH / +++ b/PATH headers)")
    for name in paths:
        inside(root, name)
    try:
        git(root, "apply", "--check", "--recount", "--whitespace=nowarn", "-", input=diff.text)
    except TaskError as exc:
        raise Refused(f"the diff does not apply ({exc}); check its context lines") from None
