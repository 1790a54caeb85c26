"""The spellings of an edit that are accepted (they still apply exactly), and those refused with a
reason: what small models write around the SEARCH/REPLACE and diff formats."""

from __future__ import annotations

from pathlib import Path

from sparring.workspace import SearchReplace, Unfinished, UnifiedDiff, apply_edits, parse_edits, worktree
from tests.repo.test_repo_workflow import FIX

DIFF = """--- a/pages/ranges.py
+++ b/pages/ranges.py
@@ -5,5 +5,5 @@ def parse_range(text):
     \"\"\"'1-3' -> [1, 2, 3]; '5' -> [5].\"\"\"
     if "-" in text:
         start, end = text.split("-")
-        return list(range(int(start), int(end)))
+        return list(range(int(start), int(end) + 1))
     return [int(text)]
"""


def test_markers_with_trailing_spaces_or_in_lower_case_are_the_same_markers() -> None:
    loose = FIX.replace("<<<<<<< SEARCH", "<<<<<<< SEARCH   ").replace(">>>>>>> REPLACE", ">>>>>>> replace")
    assert parse_edits(loose) == parse_edits(FIX) and len(parse_edits(FIX)) == 1


def test_a_diff_in_an_unlabelled_fence_is_a_diff_and_applies(git_repo: Path) -> None:
    edits = parse_edits(f"Here is the fix:\n```\n{DIFF}```\n")
    assert edits == [UnifiedDiff(DIFF)]
    with worktree(git_repo) as wt:
        assert apply_edits(wt.path, edits).ok
    assert parse_edits("```diff\nprint('not a diff')\n```\n") == [UnifiedDiff("print('not a diff')\n")]
    assert not any(isinstance(e, UnifiedDiff) for e in parse_edits(f"```python\n{DIFF}```\n"))


def test_an_unfinished_block_is_refused_with_its_reason(git_repo: Path) -> None:
    text = FIX + "pages/report.py\n<<<<<<< SEARCH\n    out = []\n=======\n    out = list()\n"
    edits = parse_edits(text)
    assert edits[-1] == Unfinished("pages/report.py") and isinstance(edits[0], SearchReplace)
    with worktree(git_repo) as wt:
        applied = apply_edits(wt.path, edits)
        assert not applied.ok and "pages/ranges.py" not in applied.changed
        assert (
            "pages/report.py: the block stops before its ======= or >>>>>>> REPLACE line"
            in applied.feedback()
        )


def test_a_code_block_of_new_names_only_is_not_an_edit(git_repo: Path) -> None:
    reply = "pages/ranges.py\n```python\ndef parse_pages(text):\n    return []\n```\n"
    with worktree(git_repo) as wt:
        applied = apply_edits(wt.path, parse_edits(reply))
    assert applied.feedback() == (
        "None of your edits were applied, because:\n- pages/ranges.py: the code block defines parse_pages, "
        "none of which is in the file; send the changed function whole, under its existing name, or a "
        "SEARCH/REPLACE block"
    )
    assert "no edits found" in apply_edits(git_repo, parse_edits("I would change parse_range.")).feedback()
