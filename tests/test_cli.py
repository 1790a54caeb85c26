"""The CLI end to end in a subprocess-free way: exit codes, one-line errors, JSON shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sparring
from sparring.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_public_api_is_curated() -> None:
    assert sorted(sparring.__all__) == sorted(set(sparring.__all__))
    for name in sparring.__all__:
        assert getattr(sparring, name) is not None
    assert "solve" in sparring.__all__ and "open_model" in sparring.__all__


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0 and sparring.__version__ in out
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0 and "solve" in out and "models" in out


def test_ask_with_the_scripted_backend_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "ask", "hello", "--model", "scripted:hi there", "--json")
    data = json.loads(out)
    assert code == 0 and data["text"] == "hi there" and data["usage"]["total_tokens"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "x", "--model", "bogus:1"], "unknown model spec"),
        (["ask", "x", "--model", "http://127.0.0.1:9/v1#m"], "cannot reach"),
        (["ask", "x", "--model", "local:/nonexistent/model.gguf"], "model file not found"),
        (["ask", "x", "--model", "openai:gpt-4o-mini"], "OPENAI_API_KEY"),
        (["solve", "/nonexistent/task.py"], "task file not found"),
        (["solve", "no signature here"], "needs a signature"),
        (["solve", "def f(x):\n    '''Id.'''", "--workflow", "nope"], "unknown workflow"),
        (["solve", "def f(x):\n    '''Id.'''", "--team", "/nonexistent/team.toml"], "team file not found"),
        (["runs", "show", "no-such-run"], "no-such-run"),
        (["sandbox", "--backend", "nope", "--", "true"], "nope"),
    ],
)
def test_user_mistakes_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run_cli(capsys, *args)
    assert code != 0
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2


def test_solve_json_and_runs_list(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    task = tmp_path / "ident.py"
    task.write_text('def ident(x):\n    """Return x.\n    >>> ident(3)\n    3\n    """\n')
    store = str(tmp_path / "runs.db")
    reply = "```python\ndef ident(x):\n    return x\n```"
    code, out, _ = run_cli(
        capsys,
        "solve",
        str(task),
        "--workflow",
        "single",
        "--model",
        f"scripted:{reply}",
        "--store",
        store,
        "--json",
    )
    result = json.loads(out)
    assert code == 0
    assert {"run_id", "workflow", "verdict", "stop_reason", "code", "confidence", "usage"} <= set(result)
    assert result["verdict"] == "passed" and set(result["usage"]) >= {"tokens", "calls", "seconds"}
    code, out, _ = run_cli(capsys, "runs", "list", "--store", store, "--json")
    runs = json.loads(out)
    assert code == 0 and runs[0]["run_id"] == result["run_id"] and runs[0]["status"] == "passed"
    assert runs[0]["workflow"] == "single"
    code, out, _ = run_cli(capsys, "runs", "export", result["run_id"], "--store", store)
    assert code == 0 and any(e["kind"] == "message" for e in json.loads(out)["events"])


def test_sandbox_command_reports_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "sandbox", "--", "python3", "-c", "print(6 * 7)")
    assert code == 0 and out.strip() == "42" and "ok" in err
    code, _, err = run_cli(capsys, "sandbox", "--timeout", "0.5", "--", "sleep", "5")
    assert code == 1 and "timeout" in err


@pytest.mark.parametrize(
    ("team", "message"),
    [
        ('[team]\nsamples = "x"\n', "samples must be int"),
        ("[team]\nsamples = 0\n", "samples must be at least 1"),
        ('[team]\ntemperature = "hot"\n', "temperature must be float"),
        ("team = 5\n", "must be tables"),
        ("[models]\ncoder = 5\n", "model spec string"),
        ("roles = [5]\n", "list of paths"),
    ],
)
def test_bad_team_files_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, team: str, message: str
) -> None:
    file = tmp_path / "team.toml"
    file.write_text(team)
    code, _, err = run_cli(
        capsys,
        "solve",
        "def f(x):\n    '''Id.'''",
        "--team",
        str(file),
        "--model",
        "scripted:x",
        "--store",
        str(tmp_path / "r.db"),
    )
    assert code == 1 and message in err and "Traceback" not in err
