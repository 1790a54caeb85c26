"""The workspace layer on a real git repository: worktree isolation, strict edits, protected tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from sparring.errors import ConfigError
from sparring.workspace import (
    SearchReplace,
    UnifiedDiff,
    apply_edits,
    inventory,
    open_worktree,
    parse_edits,
    repo_root,
    violations,
    worktree,
)
from tests.repo.conftest import git

FIX = """pages/ranges.py
<<<<<<< SEARCH
        return list(range(int(start), int(end)))
=======
        return list(range(int(start), int(end) + 1))
>>>>>>> REPLACE
"""


def test_a_worktree_leaves_the_users_tree_and_index_alone(git_repo: Path) -> None:
    (git_repo / "scratch.txt").write_text("uncommitted")  # dirty state is fine
    git(git_repo, "add", "scratch.txt")
    status = git(git_repo, "status", "--porcelain")
    with worktree(git_repo) as wt:
        assert wt.path != git_repo and (wt.path / "pages" / "ranges.py").is_file()
        assert not (wt.path / "scratch.txt").exists()  # the base commit, not the working tree
        assert apply_edits(wt.path, parse_edits(FIX)).ok
        patch = wt.diff(["pages/ranges.py"])
    assert git(git_repo, "status", "--porcelain") == status
    assert "+        return list(range(int(start), int(end) + 1))" in patch
    assert len(git(git_repo, "worktree", "list").splitlines()) == 1  # removed again
    # the patch applies at the base commit on a clean clone
    clone = git_repo.parent / "clone"
    git(git_repo.parent, "clone", "-q", str(git_repo), str(clone))
    subprocess.run(["git", "apply", "--check", "-"], cwd=clone, input=patch, text=True, check=True)


def test_new_and_deleted_files_are_in_the_patch(git_repo: Path) -> None:
    wt = open_worktree(git_repo)
    try:
        wt.write("pages/new.py", "X = 1\n")
        (wt.path / "conftest.py").unlink()
        patch = wt.diff(["pages/new.py", "conftest.py"])
        assert wt.changed_files(["pages/new.py", "conftest.py"]) == ["conftest.py", "pages/new.py"]
    finally:
        wt.remove()
    assert "new file mode" in patch and "deleted file mode" in patch


def test_user_mistakes_are_one_line_config_errors(tmp_path: Path, git_repo: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        repo_root(tmp_path / "missing")
    with pytest.raises(ConfigError, match="not a git repository"):
        repo_root(tmp_path)
    with pytest.raises(ConfigError, match="unknown revision"):
        open_worktree(git_repo, "no-such-branch")


def test_search_replace_blocks_parse_with_their_paths() -> None:
    edits = parse_edits("Here is the fix:\n\n```python\n" + FIX + "```\nand a new file:\n"
                        "pages/extra.py\n<<<<<<< SEARCH\n=======\nY = 2\n>>>>>>> REPLACE\n")  # fmt: skip
    assert edits == [
        SearchReplace(
            "pages/ranges.py",
            "        return list(range(int(start), int(end)))\n",
            "        return list(range(int(start), int(end) + 1))\n",
        ),
        SearchReplace("pages/extra.py", "", "Y = 2\n"),
    ]


def test_edits_apply_all_or_none_with_reasons_to_repair(git_repo: Path) -> None:
    root = git_repo
    before = (root / "pages" / "ranges.py").read_text()
    wrong_indent = SearchReplace("pages/report.py", "out = []\n", "out = list()\n")
    applied = apply_edits(root, [*parse_edits(FIX), wrong_indent])
    assert not applied.ok and (root / "pages" / "ranges.py").read_text() == before  # none applied
    assert "only if whitespace/indentation is ignored" in applied.feedback()
    (root / "pages" / "dup.py").write_text("x = 1\ny = 2\nx = 1\n")
    twice = apply_edits(root, [SearchReplace("pages/dup.py", "x = 1\n", "x = 3\n")])
    assert "occurs 2 times" in twice.feedback()
    missing = apply_edits(root, [SearchReplace("pages/report.py", "for page in pages:\n", "x\n")])
    assert "closest line" in missing.feedback()
    assert "no edits found" in apply_edits(root, []).feedback()
    assert apply_edits(root, parse_edits(FIX)).ok


def test_unified_diffs_apply_strictly(git_repo: Path) -> None:
    good = (
        "--- a/pages/ranges.py\n+++ b/pages/ranges.py\n@@ -6,3 +6,3 @@\n"
        '         start, end = text.split("-")\n-        return list(range(int(start), int(end)))\n'
        "+        return list(range(int(start), int(end) + 1))\n     return [int(text)]\n"
    )
    stale = good.replace('split("-")', 'split(":")')
    assert not apply_edits(git_repo, [UnifiedDiff(stale)]).ok
    applied = apply_edits(git_repo, parse_edits(f"```diff\n{good}```"))
    assert applied.ok and applied.changed == ["pages/ranges.py"]
    assert "int(end) + 1" in (git_repo / "pages" / "ranges.py").read_text()


@pytest.mark.parametrize(
    "path", ["../outside.py", "/etc/passwd", ".git/config", "pages/../../outside.py", "link/evil.py"]
)
def test_path_escaping_edits_are_refused(git_repo: Path, path: str) -> None:
    os.symlink(git_repo.parent, git_repo / "link")
    for edit in (
        SearchReplace(path, "", "x = 1\n"),
        UnifiedDiff(f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1 @@\n+x = 1\n"),
    ):
        applied = apply_edits(git_repo, [edit])
        assert not applied.ok and "refused" in applied.feedback()
    assert not (git_repo.parent / "outside.py").exists() and not (git_repo.parent / "evil.py").exists()


def test_deleting_or_weakening_a_test_is_a_violation(git_repo: Path) -> None:
    files = ["tests/test_pages.py", "pages/ranges.py"]
    before = inventory(git_repo, files)
    assert set(before) == {
        "tests/test_pages.py::test_single_page",
        "tests/test_pages.py::test_list_of_single_pages",
    }
    path = git_repo / "tests" / "test_pages.py"
    text = path.read_text()
    path.write_text(
        text.replace('    assert parse_range("5") == [5]', "    assert True")
        + "\n\ndef test_new():\n    pass\n"
    )
    assert [v.describe() for v in violations(before, inventory(git_repo, files))] == [
        "tests/test_pages.py::test_single_page was modified"
    ]
    path.write_text("# reformatted only\n" + text.replace("[5]", "[ 5 ]"))
    assert violations(before, inventory(git_repo, files)) == []
    path.unlink()
    assert {v.what for v in violations(before, inventory(git_repo, files))} == {"deleted"}
