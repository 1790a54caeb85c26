"""`sparring runs export --html`: one offline page per run, every recorded text escaped, one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sparring.cli import main
from sparring.llm import Model, Request, ScriptedBackend
from sparring.sandbox import Call, FakeSandbox
from sparring.store import Checkpoint, Event, RunStore, render_run
from sparring.tasks import demo_task
from sparring.workflows import TeamConfig, solve

XSS = "<script>alert(1)</script>"
REPLY = f"""```python
def merge_intervals(intervals):
    # {XSS}
    out = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out
```"""


def passing(call: Call) -> str:
    """A sandbox that runs nothing and reports every case as passed, in the probe's own format."""
    cfg = json.loads(str(call.files["probe.json"]))
    outcomes = [
        {"output": c["expected"], "passed": c["expected"] is not None, "error": None} for c in cfg["cases"]
    ]
    return str(cfg["marker"]) + json.dumps({"outcomes": outcomes, "load_error": None})


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "runs.db"


@pytest.fixture
def run_id(store_path: Path) -> str:
    def script(request: Request) -> str:
        return REPLY

    with RunStore(store_path) as store:
        result = solve(
            demo_task(),
            TeamConfig(workflow="single"),
            store=store,
            sandbox=FakeSandbox(passing),
            models=lambda role: Model(ScriptedBackend(script)),
        )
    assert result.verdict == "passed"
    return result.run_id


def export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["runs", "export", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_run_exports_as_one_self_contained_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path, run_id: str
) -> None:
    out_file = tmp_path / "run.html"
    code, out, err = export(capsys, run_id, "--store", str(store_path), "--html", str(out_file))
    assert code == 0, err
    assert out.strip() == str(out_file)
    page = out_file.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count("<html") == 1 and "<style>" in page
    # nothing is fetched: no script, no link, no image, no external URL anywhere in the page
    assert not re.search(r"<script|<link|<img|<iframe|src=|href=|url\(|@import|https?://", page)
    assert run_id in page and "single" in page and "passed" in page
    assert "merge_intervals" in page and "Merge all overlapping closed intervals" in page  # the task
    assert 'class="role">coder<' in page and "model calls" in page
    assert "out.append([s, e])" in page  # the final code
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the reply's markup is shown as text


def test_the_json_export_is_unchanged_without_html(
    capsys: pytest.CaptureFixture[str], store_path: Path, run_id: str
) -> None:
    code, out, _ = export(capsys, run_id, "--store", str(store_path))
    assert code == 0 and json.loads(out)["run"]["run_id"] == run_id


def test_prompts_choices_and_tool_tables_are_rendered_and_escaped(store_path: Path) -> None:
    with RunStore(store_path) as store:
        run_id = store.create_run(
            "sop", f"def f():\n    '''{XSS}'''", {"team": {}}, Checkpoint(0, "code", {}, {}, 0)
        )
        message = {
            "role": "coder",
            "model": "scripted",
            "prompt": [{"role": "system", "content": "You code."}, {"role": "user", "content": f"Fix {XSS}"}],
            "reply": "first <b>reply</b>",
            "choices": ["first <b>reply</b>", "second <i>choice</i>"],
            "tokens": {"prompt": 11, "completion": 7, "total": 18},
            "latency": 0.25,
            "finish_reason": "stop",
        }
        tests = [
            {
                "tool": "tests",
                "candidate": i,
                "verdict": "ok",
                "load_error": None,
                "passed": p,
                "failed": f,
                "cases": 3,
            }
            for i, (p, f) in enumerate([(3, 0), (1, 2)])
        ]
        events = [
            Event("message", message, "code", 1),
            Event("edge", {"from": "code", "to": "run", "reason": "fixed edge"}, "code", 1),
            *(Event("tool", t, "run", 2) for t in tests),
            Event("edge", {"from": "run", "to": "__end__", "reason": "tests <pass>"}, "run", 2),
            Event("run.finished", {"status": "passed", "reason": "passed", "steps": 2}, "run", 2),
        ]
        state = {
            "code": f"def f():\n    return '{XSS}'\n",
            "passed": True,
            "tests": [{"call": "f()", "expected": "1"}],
        }
        store.commit(
            run_id,
            events,
            status="passed",
            result={"status": "passed", "reason": "passed", "steps": 2, "state": state},
        )
        page = render_run(store, run_id)
    assert "<script" not in page and "<b>reply" not in page and "<i>choice" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # task, prompt, final code
    assert "second &lt;i&gt;choice&lt;/i&gt;" in page and "2 choices" in page
    assert "You code." in page and "11 + 7 tokens" in page
    assert "→ <b>run</b> (fixed edge)" in page and "(tests &lt;pass&gt;)" in page
    assert '<tr class="pass"><td>0</td><td>ok</td><td>3</td><td>0</td><td>3</td></tr>' in page
    assert '<tr class="fail"><td>1</td><td>ok</td><td>1</td><td>2</td><td>3</td></tr>' in page
    assert "load_error" not in page.split('id="result"')[0]  # a column empty in every row is left out
    assert "assert f() == 1" in page  # the result's evidence


def test_an_unknown_run_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path, run_id: str
) -> None:
    out_file = tmp_path / "run.html"
    code, out, err = export(capsys, "no-such-run", "--store", str(store_path), "--html", str(out_file))
    assert code == 1 and out == ""
    assert "no-such-run" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out_file.exists()


def test_a_missing_store_is_a_one_line_error_and_is_not_created(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.db"
    code, _, err = export(capsys, "some-run", "--store", str(missing), "--html", str(tmp_path / "run.html"))
    assert code == 1 and "no run store" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and not missing.exists()


@pytest.mark.parametrize("where", ["no-such-dir/run.html", "."])
def test_an_unwritable_path_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path, run_id: str, where: str
) -> None:
    code, _, err = export(capsys, run_id, "--store", str(store_path), "--html", str(tmp_path / where))
    assert code == 1 and "cannot write" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
