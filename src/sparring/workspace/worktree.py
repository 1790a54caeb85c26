"""An isolated git worktree per run: the agents edit it, the sandbox runs it, the patch comes from it.

The user's working tree and index are never touched: the worktree is a detached checkout of the base
commit in a temporary directory with its own index (git records it under ``.git/worktrees/`` until it
is removed). The patch is ``git diff`` of the paths the agents changed, against the base commit, so
``git apply`` accepts it on a clean checkout of that commit.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sparring.errors import TaskError
from sparring.workspace.git import git, repo_root, resolve_commit


class PathEscape(TaskError):
    """A path that is absolute, climbs out with ``..``, passes a symlink out, or touches ``.git``."""


def inside(root: Path, name: str) -> Path:
    """``root/name``, checked to stay inside ``root``: no absolute path, ``..``, symlink out, ``.git``."""
    rel = PurePosixPath(name.strip())
    if not name.strip() or rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise PathEscape(f"refused: path {name!r} leaves the repository")
    if rel.parts[0] == ".git":
        raise PathEscape(f"refused: path {name!r} is inside .git")
    target = root.joinpath(*rel.parts)
    resolved = target.resolve()
    if resolved != root.resolve() and root.resolve() not in resolved.parents:
        raise PathEscape(f"refused: path {name!r} resolves outside the repository (symlink)")
    return target


@dataclass
class Worktree:
    """A detached checkout of ``base`` of ``repo`` at ``path``."""

    repo: Path
    path: Path
    base: str

    def file(self, name: str) -> Path:
        return inside(self.path, name)

    def read(self, name: str) -> str | None:
        target = self.file(name)
        return target.read_text(encoding="utf-8", errors="replace") if target.is_file() else None

    def write(self, name: str, text: str) -> None:
        target = self.file(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def files(self) -> list[str]:
        """Tracked files plus untracked ones not ignored, relative to the worktree."""
        out = git(self.path, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        return sorted({f for f in out.split("\0") if f and (self.path / f).is_file()})

    def diff(self, paths: Iterable[str]) -> str:
        """A unified diff of ``paths`` (added, changed or deleted) against the base commit."""
        names = self._stage(paths)
        if not names:
            return ""
        # Fixed prefixes and no rename detection whatever the user's git config says: the patch
        # names every path it touches (a rename is a deletion and an addition) at its true place.
        return git(
            self.path, "diff", "--cached", "--no-color", "--no-ext-diff", "--binary", "--no-renames",
            "--src-prefix=a/", "--dst-prefix=b/", self.base, "--", *names,
        )  # fmt: skip

    def changed_files(self, paths: Iterable[str]) -> list[str]:
        names = self._stage(paths)
        if not names:
            return []
        out = git(self.path, "diff", "--cached", "--name-only", "--no-renames", "-z", self.base, "--", *names)
        return [f for f in out.split("\0") if f]

    def _stage(self, paths: Iterable[str]) -> list[str]:
        """Stage ``paths`` in the worktree's own index (one already gone from disk and index is skipped)."""
        names = sorted(set(paths))
        if not names:
            return []
        indexed = set(git(self.path, "ls-files", "-z", "--", *names).split("\0"))
        present = [n for n in names if n in indexed or (self.path / n).exists()]
        if present:
            git(self.path, "add", "-A", "--", *present)
        return names

    def remove(self) -> None:
        with contextlib.suppress(TaskError):
            git(self.repo, "worktree", "remove", "--force", str(self.path))
        shutil.rmtree(self.path.parent, ignore_errors=True)
        with contextlib.suppress(TaskError):
            git(self.repo, "worktree", "prune")


def open_worktree(repo: str | Path, base: str = "HEAD") -> Worktree:
    """Check out ``base`` of the repository at ``repo`` into a fresh temporary worktree."""
    root = repo_root(repo)
    commit = resolve_commit(root, base)
    parent = Path(tempfile.mkdtemp(prefix="sparring-wt-"))
    path = parent / root.name
    try:
        git(root, "worktree", "add", "--detach", str(path), commit)
    except TaskError:
        shutil.rmtree(parent, ignore_errors=True)
        raise
    return Worktree(root, path, commit)


@contextlib.contextmanager
def worktree(repo: str | Path, base: str = "HEAD", *, keep: bool = False) -> Iterator[Worktree]:
    """``open_worktree`` as a context manager that removes the worktree afterwards (unless ``keep``)."""
    wt = open_worktree(repo, base)
    try:
        yield wt
    finally:
        if not keep:
            wt.remove()
