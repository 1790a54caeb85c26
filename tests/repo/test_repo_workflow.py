"""Repository mode end to end: scripted model, real bubblewrap sandbox, real git, real pytest."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from sparring.llm import Model, Request, ScriptedBackend
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.workflows import TeamConfig
from sparring.workflows.repo import RepoResult, solve_repo
from tests.repo.conftest import git

ISSUE = "parse_range('1-3') returns [1, 2] but page ranges include their end: it should be [1, 2, 3]."
REPRO = """```python
from pages.report import pages_to_print


def test_a_range_includes_its_end():
    assert pages_to_print("1-3") == [1, 2, 3]
```"""
FIX = """pages/ranges.py
<<<<<<< SEARCH
        return list(range(int(start), int(end)))
=======
        return list(range(int(start), int(end) + 1))
>>>>>>> REPLACE
"""
STALE = FIX.replace("int(end)))", "int(stop)))", 1)  # quotes a line that is not in the file
DELETE_TEST = """```diff
--- a/tests/test_pages.py
+++ /dev/null
@@ -1,10 +0,0 @@
-from pages.ranges import parse_range
-from pages.report import pages_to_print
-
-
-def test_single_page():
-    assert parse_range("5") == [5]
-
-
-def test_list_of_single_pages():
-    assert pages_to_print("1, 4") == [1, 4]
```"""
BREAKS_SINGLE_PAGES = (
    FIX + "pages/ranges.py\n<<<<<<< SEARCH\n    return [int(text)]\n=======\n    return []\n>>>>>>> REPLACE\n"
)


def coder_then(*replies: str) -> Callable[[Request], str]:
    """A team whose retriever and test designer are right, and whose coder says ``replies`` in turn."""
    turns = iter(replies)

    def script(request: Request) -> str:
        system = request.messages[0].content
        if "locate code" in system:
            return '{"files": ["pages/ranges.py"], "symbols": ["parse_range"], "reason": "the range parser"}'
        if "failing test" in system:
            return REPRO
        return next(turns)

    return script


def solve(repo: Path, script: Callable[[Request], str], **settings: object) -> RepoResult:
    backend = ScriptedBackend(script)
    model = Model(backend)
    return solve_repo(
        repo,
        ISSUE,
        TeamConfig(workflow="repo", settings=settings),
        store=RunStore(":memory:"),
        sandbox=open_sandbox(),
        models=lambda role: model,
    )


def applies_at_base(repo: Path, patch: str) -> None:
    clone = repo.parent / "clone"
    git(repo.parent, "clone", "-q", str(repo), str(clone))
    subprocess.run(["git", "apply", "--check", "-"], cwd=clone, input=patch, text=True, check=True)


def test_an_issue_is_fixed_test_first_and_the_patch_applies_at_base(git_repo: Path) -> None:
    result = solve(git_repo, coder_then(FIX))
    assert result.verdict == "passed" and result.stop_reason is None
    assert result.evidence["reproduced"] and result.evidence["repro_test"] == "tests/test_sparring_issue.py"
    assert result.evidence["baseline"] == {"tests": 2, "passed": 2}
    assert result.files_changed == ["pages/ranges.py", "tests/test_sparring_issue.py"]
    assert "+        return list(range(int(start), int(end) + 1))" in result.patch
    applies_at_base(git_repo, result.patch)
    assert git(git_repo, "status", "--porcelain") == ""  # the user's tree is untouched
    assert "int(end)))" in (git_repo / "pages" / "ranges.py").read_text()
    assert set(result.usage["by_role"]) == {"retriever", "repro_tester", "repo_coder"}


def test_an_edit_that_does_not_apply_is_repaired(git_repo: Path) -> None:
    backend_requests: list[str] = []
    script = coder_then(STALE, FIX)

    def recording(request: Request) -> str:
        backend_requests.append(request.messages[-1].content)
        return script(request)

    result = solve(git_repo, recording)
    assert result.verdict == "passed"
    repair_prompt = backend_requests[-1]
    assert "None of your edits were applied" in repair_prompt and "closest line is 8" in repair_prompt
    assert result.usage["by_role"]["repo_coder"]["calls"] == 2


def test_an_attempt_to_delete_a_test_is_refused(git_repo: Path) -> None:
    prompts: list[str] = []
    script = coder_then(DELETE_TEST, FIX)

    def recording(request: Request) -> str:
        prompts.append(request.messages[-1].content)
        return script(request)

    result = solve(git_repo, recording)
    assert result.verdict == "passed"
    assert "tests/test_pages.py::test_single_page was deleted" in prompts[-1]
    assert "tests/test_pages.py" not in result.files_changed


def test_a_change_that_breaks_a_passing_test_is_not_accepted(git_repo: Path) -> None:
    prompts: list[str] = []
    script = coder_then(
        BREAKS_SINGLE_PAGES,
        "pages/ranges.py\n<<<<<<< SEARCH\n    return []\n=======\n    return [int(text)]\n>>>>>>> REPLACE\n",
    )

    def recording(request: Request) -> str:
        prompts.append(request.messages[-1].content)
        return script(request)

    result = solve(git_repo, recording)
    assert result.verdict == "passed" and result.evidence["rounds"] == 2
    assert "test_single_page passed before your change and now does not" in prompts[-1]


def test_a_test_that_passes_at_base_does_not_count_as_a_reproduction(git_repo: Path) -> None:
    def script(request: Request) -> str:
        if "failing test" in request.messages[0].content:
            return "```python\ndef test_nothing():\n    assert True\n```"
        return coder_then(FIX)(request)

    result = solve(git_repo, script, repro_attempts=2)
    assert result.verdict == "failed" and not result.evidence["reproduced"]
    assert "passes on the unchanged code" in result.evidence["feedback"]
    assert result.patch == "" and result.usage["by_role"]["repro_tester"]["calls"] == 2
