"""``sparring solve --repo``: JSON shape, patch file, exit codes, one-line errors for user mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sparring.cli import main
from tests.repo.conftest import git
from tests.repo.test_repo_workflow import FIX, REPRO


def test_solve_repo_json_has_the_promised_fields(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issue = tmp_path / "issue.md"
    issue.write_text("parse_range('1-3') misses the last page.")
    patch = tmp_path / "fix.patch"
    store = str(tmp_path / "runs.db")
    # a constant scripted reply cannot write a failing test: the run fails, honestly, with exit code 1
    argv = ["solve", "--repo", str(git_repo), "--issue", str(issue), "--model", "scripted:no idea"]
    code = main([*argv, "--json", "--out", str(patch), "--store", store, "--test-cmd", "pytest -q tests"])
    assert code == 1
    out = json.loads(capsys.readouterr().out)
    assert {"run_id", "verdict", "stop_reason", "patch", "files_changed", "usage"} <= set(out)
    assert out["verdict"] == "failed" and out["patch"] == "" and patch.read_text() == ""
    assert out["evidence"]["baseline"] == {"tests": 2, "passed": 2}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repo", "/no/such/dir", "--issue", "x"], "repository path not found"),
        (["--repo", "{tmp}", "--issue", "x"], "not a git repository"),
        (["--repo", "{repo}"], "needs --issue"),
        (["--repo", "{repo}", "--issue", "x", "--base", "nope"], "unknown revision 'nope'"),
        (["--repo", "{repo}", "--issue", "x", "--test-cmd", "pytest 'unclosed"], "not a valid command line"),
    ],
)
def test_user_mistakes_are_one_line_errors(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "plain").mkdir()
    argv = [a.format(tmp=tmp_path / "plain", repo=git_repo) for a in args]
    code = main(["solve", *argv, "--model", "scripted:x", "--store", str(tmp_path / "r.db")])
    err = capsys.readouterr().err
    assert code == 1 and message in err and "Traceback" not in err


def test_solve_repo_fixes_the_issue_in_the_repositorys_own_environment_and_exits_0(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patch = tmp_path / "fix.patch"
    roles = {
        "retriever": '{"files": ["pages/ranges.py"], "symbols": ["parse_range"]}',
        "repro_tester": REPRO,
        "repo_coder": FIX,
    }
    argv = ["solve", "--repo", str(git_repo), "--issue", "parse_range('1-3') misses the last page."]
    argv += [a for role, text in roles.items() for a in ("--role", f"{role}=scripted:{text}")]
    code = main([*argv, "--json", "--out", str(patch), "--store", str(tmp_path / "runs.db")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["verdict"] == "passed", json.dumps(out)[:1500]
    assert (
        patch.read_text() == out["patch"]
        and "+        return list(range(int(start), int(end) + 1))" in out["patch"]
    )
    assert "repo-envs" in out["evidence"]["python"]  # the tests ran in the repository's own environment


def _fixing_argv(git_repo: Path) -> list[str]:
    roles = {
        "retriever": '{"files": ["pages/ranges.py"], "symbols": ["parse_range"]}',
        "repro_tester": REPRO,
        "repo_coder": FIX,
    }
    argv = ["solve", "--repo", str(git_repo), "--issue", "parse_range('1-3') misses the last page."]
    return argv + [a for role, text in roles.items() for a in ("--role", f"{role}=scripted:{text}")]


def test_apply_puts_a_passing_patch_in_the_working_tree_without_committing(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = git(git_repo, "rev-parse", "HEAD")
    code = main([*_fixing_argv(git_repo), "--apply", "--json", "--store", str(tmp_path / "runs.db")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["applied"] == str(git_repo.resolve())
    assert "int(end) + 1" in (git_repo / "pages" / "ranges.py").read_text()
    assert git(git_repo, "rev-parse", "HEAD") == head  # never committed
    assert " M pages/ranges.py" in git(git_repo, "status", "--porcelain")


def test_apply_refuses_to_touch_a_file_with_the_users_uncommitted_changes(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = git_repo / "pages" / "ranges.py"
    mine = source.read_text() + "\n# my work in progress\n"
    source.write_text(mine)
    code = main([*_fixing_argv(git_repo), "--apply", "--json", "--store", str(tmp_path / "runs.db")])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["verdict"] == "passed" and out["applied"] is None
    assert "pages/ranges.py" in out["apply_error"] and "uncommitted changes" in out["apply_error"]
    assert source.read_text() == mine and "int(end) + 1" in out["patch"]  # nothing lost either way


def test_apply_is_for_repository_mode(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", "def f(x):\n    '''Id.'''", "--apply", "--model", "scripted:x"]) == 1
    assert "--apply and --yes are for repository mode" in capsys.readouterr().err


def test_yes_without_apply_is_a_one_line_error(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["solve", "--repo", str(git_repo), "--issue", "x", "--yes", "--model", "scripted:x"])
    assert code == 1 and "--yes answers --apply's question" in capsys.readouterr().err
