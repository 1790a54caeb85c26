"""A small real git repository with a real bug, for the workspace and repository-mode tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

RANGES = '''"""Parsing page ranges."""


def parse_range(text):
    """'1-3' -> [1, 2, 3]; '5' -> [5]."""
    if "-" in text:
        start, end = text.split("-")
        return list(range(int(start), int(end)))
    return [int(text)]
'''

REPORT = '''"""Printing pages: uses the range parser."""

from pages.ranges import parse_range


def pages_to_print(spec):
    out = []
    for part in spec.split(","):
        out += parse_range(part.strip())
    return out
'''

TESTS = """from pages.ranges import parse_range
from pages.report import pages_to_print


def test_single_page():
    assert parse_range("5") == [5]


def test_list_of_single_pages():
    assert pages_to_print("1, 4") == [1, 4]
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "pages-project"
    (repo / "pages").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "pages" / "__init__.py").write_text("")
    (repo / "pages" / "ranges.py").write_text(RANGES)
    (repo / "pages" / "report.py").write_text(REPORT)
    (repo / "tests" / "test_pages.py").write_text(TESTS)
    (repo / "conftest.py").write_text("")  # rootdir on sys.path, as many projects do
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "pages")
    return repo
