"""Applying a verified patch to the user's own working tree (``solve --repo --apply``), never committing.

Repository mode works in a throwaway worktree and leaves the user's tree alone; ``--apply`` is the
explicit step that changes it. It changes nothing unless the whole patch fits: a file the patch
touches that has uncommitted changes (or is an untracked file the patch would create) is refused,
so no work of the user's is mixed with the patch or overwritten, and ``git apply --check`` runs first.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sparring.errors import TaskError
from sparring.workspace.git import GitError, git, repo_root


def apply_patch(repo: str | Path, patch: str, files: Sequence[str]) -> Path:
    """Apply ``patch`` (paths relative to the repository's top) to the working tree; returns the top.
    Raises ``TaskError`` and changes nothing when it cannot be applied whole."""
    root = repo_root(repo)
    if not patch.strip():
        raise TaskError("nothing to apply: the patch is empty")
    status = git(root, "status", "--porcelain", "--untracked-files=all", "--", *files) if files else ""
    if dirty := sorted({line[3:].strip() for line in status.splitlines() if line.strip()}):
        raise TaskError(
            f"patch not applied: {', '.join(dirty)} in {root} has uncommitted changes "
            "(commit or stash them, then apply the patch yourself: git apply FILE)"
        )
    try:
        git(root, "apply", "--check", "--whitespace=nowarn", "-", input=patch)
    except GitError as exc:
        raise TaskError(f"patch not applied: it no longer fits the working tree of {root} ({exc})") from None
    git(root, "apply", "--whitespace=nowarn", "-", input=patch)
    return root
