"""Whole definitions in a code block as an edit: the function a small model re-types replaces the
file's function of that name; the rest of the file is kept byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparring.workspace import apply_edits, parse_edits, worktree
from sparring.workspace.definitions import CodeBlock, Refused, merge, parse_code_blocks
from tests.repo.conftest import RANGES, REPORT
from tests.repo.test_repo_limits import cut, run, scripted
from tests.repo.test_repo_workflow import FIX

FIXED = '''def parse_range(text):
    """'1-3' -> [1, 2, 3]; '5' -> [5]."""
    if "-" in text:
        start, end = text.split("-")
        return list(range(int(start), int(end) + 1))
    return [int(text)]
'''

MODULE = '''"""Shapes."""

import math

LIMIT = 10


class Circle:
    def __init__(self, r):
        self.r = r

    def area(self):
        return math.pi * self.r

    def name(self):
        return "circle"


@cached
def unit():
    return Circle(1)
'''


def test_a_function_in_a_code_block_replaces_the_one_of_that_name(git_repo: Path) -> None:
    reply = f"The fix, in `pages/ranges.py`:\n```python\n{FIXED}```\n"
    assert parse_edits(reply) == [CodeBlock("pages/ranges.py", FIXED)]
    with worktree(git_repo) as wt:
        applied = apply_edits(wt.path, parse_edits(reply))
        assert applied.ok and applied.changed == ["pages/ranges.py"]
        assert wt.read("pages/ranges.py") == RANGES.replace("int(end)))", "int(end) + 1))")


def test_only_the_named_method_changes_and_new_imports_and_constants_go_after_the_imports() -> None:
    block = (
        "import functools\nimport math\n\nSCALE = 2\n\n\nclass Circle:\n"
        "    def area(self):\n        return math.pi * self.r ** 2 * SCALE\n\n"
        "    def diameter(self):\n        return 2 * self.r\n"
    )
    text = merge(MODULE, CodeBlock("shapes.py", block))
    assert "return math.pi * self.r ** 2 * SCALE" in text
    assert 'return "circle"' in text and "def __init__" in text  # the methods it did not send are kept
    assert text.index("def diameter") > text.index("def name")
    assert text.startswith('"""Shapes."""\n\nimport math\nimport functools\n\nSCALE = 2\n\nLIMIT = 10\n')
    assert "@cached\ndef unit():" in text and text.count("import math") == 1


def test_a_new_helper_the_fix_calls_is_added_and_a_test_written_alongside_is_not() -> None:
    block = (
        "def unit():\n    return Circle(_radius())\n\n\ndef _radius():\n    return 2\n\n\n"
        "def test_unit():\n    assert unit().r == 2\n"
    )
    text = merge(MODULE, CodeBlock("shapes.py", block))
    assert text.endswith("    return Circle(_radius())\n\n\ndef _radius():\n    return 2\n")
    assert "test_unit" not in text


def test_a_function_written_as_a_placeholder_stands_for_the_existing_one() -> None:
    block = MODULE.replace("return math.pi * self.r\n", "...\n").replace(
        "def unit():\n    return Circle(1)", "def unit():\n    return Circle(3)"
    )
    text = merge(MODULE, CodeBlock("shapes.py", block))
    assert "return math.pi * self.r\n" in text and "return Circle(3)" in text  # not a whole-file swap
    with pytest.raises(Refused, match="placeholder"):
        merge(MODULE, CodeBlock("shapes.py", 'def unit():\n    """Doc."""\n    ...\n'))


def test_a_block_with_every_definition_of_the_file_is_its_new_content() -> None:
    whole = MODULE.replace("math.pi * self.r", "math.pi * self.r ** 2").replace(
        "import math", "import math, os"
    )
    assert merge(MODULE, CodeBlock("shapes.py", whole)) == whole


def test_a_cut_off_block_keeps_its_finished_definitions_only() -> None:
    block = "def unit():\n    return Circle(2)\n\n\nclass Circle:\n    def __init__(self, r):\n        self.r"
    text = merge(MODULE, CodeBlock("shapes.py", block, cut=True))
    assert "@cached\ndef unit():\n    return Circle(2)\n" in text and text.count("class Circle") == 1
    whole_but_cut = MODULE.replace('return "circle"', 'return "disc"') + "\n\ndef later():\n    return"
    assert 'return "disc"' in merge(MODULE, CodeBlock("shapes.py", whole_but_cut, cut=True))
    with pytest.raises(Refused, match="cut off before any definition"):
        merge(MODULE, CodeBlock("shapes.py", "def unit(:\n    return", cut=True))


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        ("def helper():\n    return 1\n", "none of which is in the file"),
        ("x = (\n", "not valid Python"),
        ("print('hello')\n", "defines no function or class"),
        (MODULE, "changes nothing"),
        (MODULE.replace("\n\n\nclass", "\n\nclass") + "\n\n", "changes nothing"),  # layout only
        ("def unit():  # a comment\n    return Circle(1)\n", "changes nothing"),
    ],
)
def test_blocks_that_are_not_edits_of_the_file_are_refused_with_the_reason(block: str, reason: str) -> None:
    with pytest.raises(Refused, match=reason):
        merge(MODULE, CodeBlock("shapes.py", block))


def test_a_block_without_a_path_edits_the_one_shown_file_that_defines_its_names(git_repo: Path) -> None:
    with worktree(git_repo) as wt:
        shown = ["pages/report.py", "pages/ranges.py"]
        applied = apply_edits(wt.path, parse_edits(f"```python\n{FIXED}```"), shown=shown)
        assert applied.changed == ["pages/ranges.py"]
        wrong = apply_edits(
            wt.path, parse_edits(f"src/pages/nothere.py\n```\n{FIXED}```"), shown=["pages/report.py"]
        )
        assert (
            "src/pages/nothere.py: the file does not exist (the files you were shown: pages/report.py)"
            in (wrong.feedback())
        )
        assert wt.read("pages/report.py") == REPORT


def test_search_replace_blocks_win_over_code_blocks_and_paths_in_comments_count() -> None:
    assert all(type(e).__name__ == "SearchReplace" for e in parse_edits(f"```python\n{FIXED}```\n{FIX}"))
    assert parse_code_blocks(f"```py\n# file: pages/ranges.py\n{FIXED}```")[0].path == "pages/ranges.py"
    assert parse_code_blocks("```json\n{}\n```") == []


def test_the_repo_workflow_fixes_the_bug_from_a_cut_off_whole_file_reply(git_repo: Path) -> None:
    whole = RANGES.replace("int(end)))", "int(end) + 1))") + "\n\ndef unrelated(x):\n    return"
    script, _ = scripted([cut(f"pages/ranges.py\n```python\n{whole}")])
    result = run(git_repo, script)
    assert result.verdict == "passed" and "pages/ranges.py" in result.files_changed
    assert "unrelated" not in result.patch
