"""Review mode end to end: a planted bug in a real commit, scripted reviewers, the real sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sparring.cli import main
from sparring.llm import Model, Request, ScriptedBackend
from sparring.review import Review, added_lines, render, review_change
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from tests.repo.conftest import git
from tests.review.sarif_schema import assert_valid_sarif

PLANTED = '''

def page_count(spec):
    """How many pages ``spec`` prints."""
    return len(pages_to_print(spec)) - 1
'''
BUG_LINE = 15  # the `return ... - 1` line of pages/report.py after the change
DEMO_TEST = "from pages.report import page_count\n\n\ndef test_two():\n    assert page_count('1, 4') == 2\n"
BUG = {
    "file": "pages/report.py",
    "line": BUG_LINE,
    "severity": "high",
    "category": "correctness",
    "message": "page_count is off by one",
    "suggested_fix": "drop the - 1",
    "confidence": 0.9,
    "failing_test": DEMO_TEST,
}
NIT = {
    "file": "pages/report.py",
    "line": 13,
    "severity": "low",
    "category": "maintainability",
    "message": "docstring style",
    "suggested_fix": "reword",
    "confidence": 0.3,
    "unsure": True,
}
ELSEWHERE = {"file": "pages/ranges.py", "line": 1, "message": "not part of this change"}


def findings(*items: dict[str, object]) -> str:
    return json.dumps({"findings": list(items)})


@pytest.fixture
def changed_repo(git_repo: Path) -> Path:
    with (git_repo / "pages" / "report.py").open("a") as f:
        f.write(PLANTED)
    git(git_repo, "commit", "-qam", "page_count")
    return git_repo


def script(request: Request) -> str:
    system = request.messages[0].content
    if "attack a change" in system:  # the red team finds the bug too, and a nit the reviewer disputes
        return findings(BUG | {"confidence": 0.7}, NIT)
    if "check another reviewer" in system:
        return '{"votes": [{"index": 1, "agree": false, "reason": "matches the project style"}]}'
    return findings(BUG, ELSEWHERE)


def review(repo: Path) -> Review:
    model = Model(ScriptedBackend(script))
    return review_change(
        repo,
        diff_range="HEAD~1..HEAD",
        store=RunStore(":memory:"),
        sandbox=open_sandbox(),
        models=lambda r: model,
    )


def test_added_lines_are_counted_on_the_new_side(changed_repo: Path) -> None:
    diff = git(changed_repo, "diff", "HEAD~1..HEAD")
    assert added_lines(diff) == {"pages/report.py": {11, 12, 13, 14, 15}}


def test_a_planted_bug_is_found_at_its_file_and_line_in_every_format(changed_repo: Path) -> None:
    result = review(changed_repo)
    bug, nit = result.findings[1], result.findings[0]
    assert (bug.file, bug.line, bug.severity, bug.category) == (
        "pages/report.py",
        BUG_LINE,
        "high",
        "correctness",
    )
    assert bug.raised_by == ["code_reviewer", "red_team_reviewer"] and not bug.contested
    assert bug.confidence == 0.8 and bug.suggested_fix == "drop the - 1"
    assert bug.demonstrated is True  # its failing test failed in the sandbox
    assert (
        nit.contested
        and nit.unsure
        and nit.votes == {"red_team_reviewer": "unsure", "finding_voter": "disagree"}
    )
    assert result.dropped == ["code_reviewer: pages/ranges.py:1 is not in the change"]
    assert result.fails_at("high") and not Review(source="x", findings=[nit]).fails_at("low")

    markdown = render(result, "markdown")
    assert f"**pages/report.py:{BUG_LINE}** (high, correctness" in markdown and "**contested**" in markdown
    data = json.loads(render(result, "json"))
    assert (data["findings"][1]["file"], data["findings"][1]["line"]) == ("pages/report.py", BUG_LINE)
    sarif = json.loads(render(result, "sarif"))
    assert_valid_sarif(sarif)
    located = sarif["runs"][0]["results"][1]["locations"][0]["physicalLocation"]
    assert (
        located["artifactLocation"]["uri"] == "pages/report.py" and located["region"]["startLine"] == BUG_LINE
    )
    assert sarif["runs"][0]["results"][1]["level"] == "error"
    assert (
        git(changed_repo, "status", "--porcelain") == ""
        and len(git(changed_repo, "worktree", "list").splitlines()) == 1
    )


def test_review_cli_formats_and_fail_on(
    changed_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reply = findings(BUG | {"failing_test": ""})
    base = ["review", "--repo", str(changed_repo), "--diff", "HEAD~1..HEAD", "--model", f"scripted:{reply}"]
    base += ["--store", str(tmp_path / "r.db")]
    assert main([*base, "--format", "sarif", "--fail-on", "high"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    assert_valid_sarif(sarif)
    assert (
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == BUG_LINE
    )
    assert main([*base, "--format", "markdown"]) == 0
    assert f"pages/report.py:{BUG_LINE}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--diff", "no-such-rev..HEAD"], "bad diff range"),
        (["--patch", "/no/such.patch"], "cannot read patch"),
        (["--format", "xml"], "--format must be one of"),
        (["--fail-on", "severe"], "--fail-on must be one of"),
    ],
)
def test_review_user_mistakes_are_one_line_errors(
    changed_repo: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["review", "--repo", str(changed_repo), *args, "--model", "scripted:{}"]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_patch_file_is_reviewed_on_a_worktree(changed_repo: Path, tmp_path: Path) -> None:
    patch = tmp_path / "change.diff"
    patch.write_text(git(changed_repo, "diff", "HEAD~1..HEAD").replace("- 1", "- 2"))
    git(changed_repo, "reset", "-q", "--hard", "HEAD~1")
    model = Model(ScriptedBackend(script))
    result = review_change(
        changed_repo,
        patch_file=str(patch),
        store=RunStore(":memory:"),
        sandbox=open_sandbox(),
        models=lambda r: model,
    )
    assert result.source == f"patch {patch}" and result.findings[1].line == BUG_LINE
    assert git(changed_repo, "status", "--porcelain") == ""


def test_the_reviewers_see_the_call_sites_of_a_changed_function_in_other_files(git_repo: Path) -> None:
    ranges = git_repo / "pages" / "ranges.py"
    ranges.write_text(ranges.read_text().replace("int(end)))", "int(end) + 1))"))
    git(git_repo, "commit", "-qam", "inclusive ranges")
    backend = ScriptedBackend(lambda request: findings())
    model = Model(backend)
    review_change(
        git_repo, diff_range="HEAD~1..HEAD", store=RunStore(":memory:"), sandbox=open_sandbox(),
        models=lambda r: model,
    )  # fmt: skip
    prompts = [r.messages[-1].content for r in backend.requests]
    assert prompts and all("pages/report.py:9: out += parse_range(part.strip())" in p for p in prompts[:1])
