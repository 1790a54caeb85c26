"""Applying a verified patch to the user's own working tree (``solve --repo --apply``), never committing.

Repository mode works in a throwaway worktree and leaves the user's tree alone; ``--apply`` is the
explicit step that changes it. It changes nothing unless the whole patch fits: a file the patch
touches (both names of a renamed one) that has uncommitted changes, or is an untracked file the
patch would create, is refused, so no work of the user's is mixed with the patch or overwritten; a
repository whose HEAD moved away from the commit the patch was tested at is refused too; and
``git apply --check`` runs first.
"""

from __future__ import annotations

from pathlib import Path

from sparring.errors import TaskError
from sparring.workspace.git import GitError, git, repo_root


def apply_patch(repo: str | Path, patch: str, base: str) -> Path:
    """Apply ``patch`` (tested at commit ``base``; paths relative to the repository's top) to the
    working tree; returns the top. Raises ``TaskError`` and changes nothing when it cannot be
    applied whole, or when the repository's HEAD is no longer ``base``."""
    root = repo_root(repo)
    if not patch.strip():
        raise TaskError("nothing to apply: the patch is empty")
    head = git(root, "rev-parse", "HEAD").strip()
    if head != base:
        raise TaskError(
            f"patch not applied: it was tested at {base[:12]} but {root} is at {head[:12]} "
            "(check it there, then apply it yourself: git apply FILE)"
        )
    touched = sorted(_paths(root, patch))
    status = git(root, "status", "--porcelain", "--untracked-files=all", "--", *touched)
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


def _paths(root: Path, patch: str) -> set[str]:
    """Every path the patch touches: as ``git apply`` reads it (its new names), plus both sides of
    every header, so the old name of a renamed or copied file is checked too."""
    try:
        out = git(root, "apply", "--numstat", "-z", "-", input=patch)
    except GitError as exc:
        raise TaskError(f"patch not applied: git cannot read it ({exc})") from None
    paths = {entry.split("\t", 2)[-1] for entry in out.split("\0") if entry.count("\t") >= 2}
    heads = ("rename from ", "rename to ", "copy from ", "copy to ", "--- a/", "+++ b/")
    for line in patch.splitlines():
        for head in heads:
            if line.startswith(head):
                paths.add(line[len(head) :].strip('"'))
        if line.startswith("diff --git a/") and " b/" in line:
            old, _, new = line[len("diff --git a/") :].rpartition(" b/")
            paths.update({old, new})
    return {p for p in paths if p}
