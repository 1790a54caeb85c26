"""Repository runs at the model's limits: replies cut off at max_tokens, prompts over the budget,
format examples a small model copies. Scripted model, real sandbox, real git."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sparring.llm import Completion, Model, Request, ScriptedBackend, Usage
from sparring.repo.prompt import CHARS_PER_TOKEN, fit_messages, head
from sparring.repo.steps import CUT_EDITS, CUT_TEST
from sparring.repo.testing import TestCommand, run_tests
from sparring.roles import load_roles
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.workflows import TeamConfig
from sparring.workflows.repo import RepoResult, solve_repo
from tests.repo.conftest import git
from tests.repo.test_repo_workflow import FIX, ISSUE, REPRO

Reply = str | Completion


def cut(text: str) -> Completion:
    """A reply the model stopped at its token limit."""
    return Completion(text, Usage(100, 50), finish_reason="length")


RETRIEVAL = '{"files": ["pages/ranges.py"], "symbols": ["parse_range"], "reason": "the parser"}'


def scripted(
    coder: list[Reply], tester: list[Reply] | None = None, retrieval: str = RETRIEVAL
) -> tuple[Callable[[Request], Reply], list[Request]]:
    """The retriever says ``retrieval``; the test designer and the coder say their lists in turn."""
    seen: list[Request] = []
    tests, edits = iter(tester or [REPRO]), iter(coder)

    def script(request: Request) -> Reply:
        seen.append(request)
        system = request.messages[0].content
        if "locate code" in system:
            return retrieval
        if "failing test" in system:
            return next(tests)
        return next(edits)

    return script, seen


def run(
    repo: Path, script: Callable[[Request], Reply], workflow: str = "repo", **settings: object
) -> RepoResult:
    model = Model(ScriptedBackend(script))
    return solve_repo(
        repo, ISSUE, TeamConfig(workflow=workflow, settings=settings), store=RunStore(":memory:"),
        sandbox=open_sandbox(), models=lambda role: model, workflow=workflow,
    )  # fmt: skip


def coder_prompts(seen: list[Request]) -> list[str]:
    return [r.messages[-1].content for r in seen if "fix issues" in r.messages[0].content]


def test_a_cut_off_edit_reply_applies_its_finished_blocks(git_repo: Path) -> None:
    unfinished = "pages/report.py\n<<<<<<< SEARCH\n    out = []\n=======\n    out = ["
    script, _ = scripted([cut(FIX + unfinished)])
    result = run(git_repo, script)
    assert result.verdict == "passed" and result.files_changed == [
        "pages/ranges.py",
        "tests/test_sparring_issue.py",
    ]
    assert result.usage["by_role"]["repo_coder"]["calls"] == 1


def test_a_cut_off_reply_with_no_finished_edit_is_repaired_not_a_crash(git_repo: Path) -> None:
    script, seen = scripted([cut("pages/ranges.py\n<<<<<<< SEARCH\n        return list(range("), FIX])
    result = run(git_repo, script)
    assert result.verdict == "passed"
    assert CUT_EDITS in coder_prompts(seen)[1]
    assert result.usage["by_role"]["repo_coder"]["calls"] == 2


def test_single_with_a_cut_off_reply_fails_and_keeps_its_usage(git_repo: Path) -> None:
    script, _ = scripted([cut("pages/ranges.py\n<<<<<<< SEARCH\n        return list(")])
    result = run(git_repo, script, workflow="single")
    assert result.verdict == "failed" and result.patch == ""
    assert result.usage["by_role"]["repo_coder"]["calls"] == 1


def test_a_cut_off_retriever_reply_falls_back_and_its_text_is_kept_in_the_record(git_repo: Path) -> None:
    base, _ = scripted([FIX])

    def script(request: Request) -> Reply:
        if "locate code" in request.messages[0].content:
            return cut('{"files": ["pages/ranges.py"], "reason": "the range par')
        return base(request)

    store = RunStore(":memory:")
    model = Model(ScriptedBackend(script))
    result = solve_repo(
        git_repo, ISSUE, TeamConfig(workflow="repo"), store=store, sandbox=open_sandbox(),
        models=lambda role: model,
    )  # fmt: skip
    assert result.verdict == "passed" and "pages/ranges.py" in result.evidence["files"]
    events = store.events(result.run_id)
    failed = next(e for e in events if e.kind == "message" and e.payload["role"] == "retriever")
    assert failed.payload["finish_reason"] == "error" and "the range par" in failed.payload["reply"]
    assert any(e.kind == "retrieval.failed" for e in events)


def test_a_cut_off_test_module_is_not_run_and_goes_back(git_repo: Path) -> None:
    script, seen = scripted([FIX], tester=[cut("```python\ndef test_a_range():\n    assert pages"), REPRO])
    result = run(git_repo, script)
    assert result.verdict == "passed" and result.evidence["reproduced"]
    tester = [r.messages[-1].content for r in seen if "failing test" in r.messages[0].content]
    assert len(tester) == 2 and CUT_TEST in tester[1]


def test_a_cut_off_reply_whose_test_block_is_closed_still_counts(git_repo: Path) -> None:
    script, _ = scripted([FIX], tester=[cut(REPRO + "\nThis test checks that the range")])
    result = run(git_repo, script)
    assert result.verdict == "passed" and result.usage["by_role"]["repro_tester"]["calls"] == 1


def test_the_format_example_names_a_shown_file_and_a_wrong_path_is_told_the_shown_ones(
    git_repo: Path,
) -> None:
    placeholder = FIX.replace("pages/ranges.py", "path/to/file.py")
    script, seen = scripted([placeholder, FIX])
    result = run(git_repo, script)
    assert result.verdict == "passed"
    first, repair = coder_prompts(seen)
    assert "path/to/file.py" not in first and "above:\npages/ranges.py\n<<<<<<< SEARCH" in first
    assert "path/to/file.py: the file does not exist (the files you were shown: pages/ranges.py)" in repair


def test_every_prompt_stays_within_the_budget_however_big_the_repository(git_repo: Path) -> None:
    big = "".join(
        f"def parse_range_{i}(text):\n    return parse_range(text)  # {'x' * 80}\n" for i in range(400)
    )
    (git_repo / "pages" / "more.py").write_text("from pages.ranges import parse_range\n\n" + big)
    (git_repo / "pages" / "data.py").write_text(f"TABLE = {['parse_range'] * 3000!r}\n")  # one huge line
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "big")
    script, seen = scripted(
        [FIX], retrieval='{"files": ["pages/ranges.py", "pages/more.py"], "symbols": ["parse_range"]}'
    )
    result = run(git_repo, script, prompt_tokens=2000, map_tokens=4000, file_chars=50000)
    assert result.verdict == "passed"
    sizes = [sum(len(m.content) for m in r.messages) for r in seen]
    assert len(sizes) == 3 and max(sizes) <= 2000 * CHARS_PER_TOKEN
    coder = coder_prompts(seen)[0]
    assert "more lines not shown" in coder and "return list(range(int(start), int(end)))" in coder


def test_a_symbol_the_retriever_names_brings_the_file_that_defines_it(git_repo: Path) -> None:
    script, seen = scripted(
        [FIX], retrieval='{"files": ["pages/report.py"], "symbols": ["parse_range", "no_such_symbol"]}'
    )
    assert run(git_repo, script).verdict == "passed"
    coder = coder_prompts(seen)[0]
    assert "pages/report.py\n```python" in coder and "pages/ranges.py\n```python" in coder
    assert "pages/report.py:9: out += parse_range(part.strip())" in coder  # its call sites come along


def test_fit_messages_cuts_the_least_needed_parts_first_and_never_sends_too_much() -> None:
    role = load_roles()["repo_coder"]
    files = [{"path": "a.py", "content": "a = 1\n" * 200}, {"path": "b.py", "content": "b = 2\n" * 2000}]
    args = {"issue": "an issue", "files": files, "callers": ["a.py:1: f()"] * 50, "example_path": "a.py"}
    args |= {"repro": "", "repro_path": "", "feedback": ""}
    messages, cuts = fit_messages(role, 1000, ("callers", "files", "issue"), **args)
    text = messages[-1].content
    assert cuts == ["callers", "files"] and sum(len(m.content) for m in messages) <= 3000
    assert "a = 1\n" * 200 in text and "more lines not shown" in text and "f()" not in text
    huge, cuts = fit_messages(role, 200, (), **(args | {"issue": "x" * 5000, "files": [], "callers": []}))
    assert cuts == ["prompt"] and sum(len(m.content) for m in huge) <= 600
    assert "Never repeat a whole file." in huge[-1].content  # the instructions survive


def test_head_cuts_at_a_line_end_and_says_how_much_is_left() -> None:
    assert head("one\ntwo\nthree\n", 100) == "one\ntwo\nthree\n"
    assert head("one\ntwo\nthree\n", 9) == "one\ntwo\n# … (1 more lines not shown)\n"


def test_a_test_run_leaves_no_report_in_the_worktree(git_repo: Path) -> None:
    assert run_tests(open_sandbox(), git_repo, TestCommand()).outcomes
    assert not list(git_repo.glob(".sparring-*"))
