"""The change under review: its diff, its changed lines, and a worktree holding the new version.

``--diff A..B`` reviews ``git diff A..B`` with B checked out; ``--diff A`` (or nothing: ``HEAD``)
reviews the working tree against A, copied onto a worktree so nothing of the user's is touched;
``--patch FILE`` reviews a patch applied to a worktree at HEAD.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sparring.errors import ConfigError, TaskError
from sparring.workspace import GitError, Worktree, git, open_worktree, repo_root

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass
class Change:
    source: str
    diff: str
    tree: Worktree
    added: dict[str, set[int]]  # file -> new-side line numbers the change adds

    @property
    def files(self) -> list[str]:
        return sorted(self.added)


def added_lines(diff: str) -> dict[str, set[int]]:
    """New-side line numbers of added lines, per file (deleted files are left out)."""
    out: dict[str, set[int]] = {}
    current: set[int] | None = None
    line = 0
    for text in diff.splitlines():
        if text.startswith("+++ "):
            name = text[4:].strip()
            current = None if name == "/dev/null" else out.setdefault(name.removeprefix("b/"), set())
        elif m := _HUNK.match(text):
            line = int(m.group(1))
        elif current is not None and text.startswith("+"):
            current.add(line)
            line += 1
        elif text.startswith(" "):
            line += 1
    return out


def open_change(repo: str | Path, *, diff_range: str | None = None, patch_file: str | None = None) -> Change:
    root = repo_root(repo)
    if patch_file is not None:
        try:
            diff = Path(patch_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TaskError(f"cannot read patch {patch_file}: {exc}") from None
        if not added_lines(diff) and "diff --git" not in diff:
            raise TaskError(f"{patch_file} is not a unified diff")
        return _onto_head(root, diff, f"patch {patch_file}")
    spec = diff_range or "HEAD"
    try:
        diff = git(root, "diff", "--no-color", "--no-ext-diff", spec, "--")
    except GitError:
        raise ConfigError(f"bad diff range {spec!r} in {root}") from None
    left, sep, right = spec.partition("...") if "..." in spec else spec.partition("..")
    if sep and right:
        tree = open_worktree(root, right)
        return Change(f"diff {spec}", diff, tree, added_lines(diff))
    untracked = git(root, "ls-files", "--others", "--exclude-standard", "-z").split("\0")
    for name in filter(None, untracked):  # new files the user has not added yet are part of the change
        diff += git(root, "diff", "--no-color", "--no-index", "--", "/dev/null", name, check=False)
    return _onto_head(root, diff, f"diff {spec}", base=left or "HEAD")


def _onto_head(root: Path, diff: str, source: str, base: str = "HEAD") -> Change:
    tree = open_worktree(root, base)
    if diff.strip():
        try:
            git(tree.path, "apply", "--whitespace=nowarn", "-", input=diff)
        except GitError as exc:
            tree.remove()
            raise TaskError(f"the {source} does not apply to {base}: {exc}") from None
    return Change(source, diff, tree, added_lines(diff))
