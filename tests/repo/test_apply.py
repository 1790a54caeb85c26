"""`--apply`'s refusals: nothing of the user's is overwritten or mixed in, whatever the patch does."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparring.errors import TaskError
from sparring.workspace.apply import apply_patch
from tests.repo.conftest import git

OLD = "def area(w, h):\n    return w * h\n\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n"


def _repo(tmp_path: Path) -> tuple[Path, str]:
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "old.py").write_text(OLD)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    return repo, git(repo, "rev-parse", "HEAD").strip()


def _moved(repo: Path, *diff_args: str) -> str:
    """A patch that moves old.py to new.py with a change, then the tree back at the base."""
    (repo / "old.py").rename(repo / "new.py")
    (repo / "new.py").write_text(OLD.replace("w * h", "h * w"))
    git(repo, "add", "-A")
    patch = git(repo, "diff", "--cached", *diff_args, "HEAD")
    git(repo, "reset", "-q", "--hard")
    git(repo, "clean", "-qfd")
    return patch


@pytest.mark.parametrize("renames", [("--no-renames",), ("-M",)])
def test_a_moved_file_with_the_users_work_in_progress_is_refused(tmp_path: Path, renames: tuple[str]) -> None:
    repo, base = _repo(tmp_path)
    patch = _moved(repo, *renames)
    mine = OLD + "# my work in progress\n"
    (repo / "old.py").write_text(mine)
    with pytest.raises(TaskError, match=r"old\.py .* has uncommitted changes"):
        apply_patch(repo, patch, base)
    assert (repo / "old.py").read_text() == mine and not (repo / "new.py").exists()


def test_a_clean_tree_takes_the_move(tmp_path: Path) -> None:
    repo, base = _repo(tmp_path)
    patch = _moved(repo, "-M")
    apply_patch(repo, patch, base)
    assert not (repo / "old.py").exists() and "h * w" in (repo / "new.py").read_text()


def test_an_untracked_file_the_patch_would_create_is_refused(tmp_path: Path) -> None:
    repo, base = _repo(tmp_path)
    patch = _moved(repo, "--no-renames")
    (repo / "new.py").write_text("# mine, not committed\n")
    with pytest.raises(TaskError, match=r"new\.py .* has uncommitted changes"):
        apply_patch(repo, patch, base)
    assert (repo / "new.py").read_text() == "# mine, not committed\n"


def test_a_patch_tested_at_another_commit_is_not_applied(tmp_path: Path) -> None:
    repo, base = _repo(tmp_path)
    patch = _moved(repo, "--no-renames")
    (repo / "notes.txt").write_text("later\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "later")
    with pytest.raises(TaskError, match=f"tested at {base[:12]} but .* is at"):
        apply_patch(repo, patch, base)
    assert (repo / "old.py").read_text() == OLD


def test_a_patch_that_no_longer_fits_changes_nothing(tmp_path: Path) -> None:
    repo, base = _repo(tmp_path)
    patch = _moved(repo, "--no-renames").replace("return w * h", "return w * h * 1")
    with pytest.raises(TaskError, match="patch not applied"):
        apply_patch(repo, patch, base)
    assert (repo / "old.py").read_text() == OLD and not (repo / "new.py").exists()
