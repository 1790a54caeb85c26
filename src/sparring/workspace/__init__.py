"""The workspace layer of repository tasks: an isolated git worktree, strict edits, protected tests.

with worktree("path/to/repo", base="HEAD") as wt:
    applied = apply_edits(wt.path, parse_edits(reply_text))   # all or none, with reasons
    violations(before_inventory, inventory(wt.path, wt.files()))
    patch = wt.diff(applied.changed)                          # `git apply`-able at wt.base
"""

from __future__ import annotations

from sparring.workspace.edits import (
    Applied,
    Edit,
    EditFailure,
    SearchReplace,
    Unfinished,
    UnifiedDiff,
    apply_edits,
    parse_edits,
)
from sparring.workspace.git import GitError, git, repo_root, resolve_commit
from sparring.workspace.protect import TestInventory, Violation, inventory, is_test_file, violations
from sparring.workspace.worktree import PathEscape, Worktree, inside, open_worktree, worktree

__all__ = [
    "Applied",
    "Edit",
    "EditFailure",
    "GitError",
    "PathEscape",
    "SearchReplace",
    "TestInventory",
    "Unfinished",
    "UnifiedDiff",
    "Violation",
    "Worktree",
    "apply_edits",
    "git",
    "inside",
    "inventory",
    "is_test_file",
    "open_worktree",
    "parse_edits",
    "repo_root",
    "resolve_commit",
    "violations",
    "worktree",
]
