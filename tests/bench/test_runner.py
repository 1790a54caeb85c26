"""``run_benchmark`` and ``oracle`` end to end: real sandbox and scoring, a fake solver."""

from __future__ import annotations

import dataclasses
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from sparring.bench import BenchTask, manifest, oracle, run_benchmark
from sparring.bench.report import markdown
from sparring.bench.summary import summarize
from sparring.errors import BudgetExceeded, ConfigError, TaskError
from sparring.sandbox import Sandbox
from sparring.tasks import FunctionTask

from .conftest import FAST, FakeSolver, wrong_code


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=160)


def _canonical(tasks: dict[str, BenchTask]) -> Any:
    return lambda task, workflow, seed: tasks[task.task_id].canonical_code


def _bench(
    subset_file: Path,
    sandbox: Sandbox,
    canonical_root: Path,
    solver: Any,
    workflows: list[str],
    out: Path,
    **kwargs: Any,
) -> Any:
    return run_benchmark(
        str(subset_file),
        workflows,
        solver,
        sandbox=sandbox,
        cache=canonical_root,
        scoring=FAST,
        out_dir=out,
        console=_quiet(),
        **kwargs,
    )


def test_solver_sees_only_the_prompt_entry_point_and_id(
    subset_file: Path, sandbox: Sandbox, canonical_root: Path, tasks: dict[str, BenchTask], tmp_path: Path
) -> None:
    solver = FakeSolver(_canonical(tasks))
    _bench(subset_file, sandbox, canonical_root, solver, ["single"], tmp_path, limit=2)
    assert len(solver.calls) == 2
    for seen, workflow, _seed in solver.calls:
        assert type(seen) is FunctionTask and workflow == "single"
        assert {f.name for f in dataclasses.fields(seen)} == {"task_id", "prompt", "entry_point"}
        hidden = tasks[seen.task_id]
        assert seen.prompt == hidden.prompt and seen.entry_point == hidden.entry_point
        assert "def check" not in seen.prompt and hidden.canonical_solution not in seen.prompt


def test_summary_counts_costs_and_fixed_broken_against_single(
    subset_file: Path, sandbox: Sandbox, canonical_root: Path, tasks: dict[str, BenchTask], tmp_path: Path
) -> None:
    # single fails 13; "better" fixes 13 and breaks 24; "sample@3" fixes 13 only
    wrong = {("single", "HumanEval/13"), ("better", "HumanEval/24")}

    def answer(task: FunctionTask, workflow: str, seed: int) -> str:
        return wrong_code(task) if (workflow, task.task_id) in wrong else tasks[task.task_id].canonical_code

    summary = _bench(
        subset_file,
        sandbox,
        canonical_root,
        FakeSolver(answer),
        ["single", "better", "sample@3"],
        tmp_path,
        workers=2,
    )
    report = summary.to_json()["workflows"]
    assert [w.workflow for w in summary.workflows] == ["single", "better", "sample@3"]
    assert report["single"]["n"] == 4
    assert (report["single"]["pass_base"], report["single"]["pass_plus"]) == (3, 3)
    assert (report["better"]["fixed"], report["better"]["broken"]) == (["HumanEval/13"], ["HumanEval/24"])
    assert (report["sample@3"]["fixed"], report["sample@3"]["broken"]) == (["HumanEval/13"], [])
    assert report["single"]["fixed"] is None
    assert (report["single"]["tokens"], report["single"]["calls"], report["single"]["seconds"]) == (400, 4, 8)
    assert report["single"]["tokens_per_task"] == 100 and report["single"]["tasks_per_hour"] == 1800
    files = summary.files
    assert Path(files["plot"]).read_bytes().startswith(b"\x89PNG")
    assert json.loads(Path(files["report_json"]).read_text())["workflows"]["better"]["n"] == 4
    md = Path(files["report_md"]).read_text()
    assert "HumanEval/13" in md and "95% intervals (Wilson) of pass@1 plus: single 30.1%–95.4%" in md
    # head to head beyond single: "better" and "sample@3" differ on 24 only
    (pair,) = summary.to_json()["head_to_head"]
    assert (pair["first"], pair["second"], pair["first_only"], pair["second_only"]) == (
        "better", "sample@3", [], ["HumanEval/24"],
    )  # fmt: skip
    assert "## better vs sample@3" in md and "(0 against 1): two-sided p = 1" in md


def test_export_lines_hold_runnable_solutions(
    subset_file: Path, sandbox: Sandbox, canonical_root: Path, tasks: dict[str, BenchTask], tmp_path: Path
) -> None:
    export = tmp_path / "export.jsonl"
    _bench(
        subset_file,
        sandbox,
        canonical_root,
        FakeSolver(_canonical(tasks)),
        ["single"],
        tmp_path,
        export=export,
        limit=2,
    )
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    assert len(lines) == 2
    for line in lines:
        assert {"task_id", "workflow", "solution", "pass_base", "pass_plus", "usage"} <= set(line)
        assert line["pass_base"] and line["pass_plus"] and line["usage"]["tokens"] == 100
        check = f"from solution import {tasks[line['task_id']].entry_point}\n"
        run = sandbox.run([sys.executable, "-c", check], files={"solution.py": line["solution"]})
        assert run.exit_code == 0, run.stderr


def test_resume_skips_finished_pairs_and_tolerates_a_cut_last_line(
    subset_file: Path, sandbox: Sandbox, canonical_root: Path, tasks: dict[str, BenchTask], tmp_path: Path
) -> None:
    first = FakeSolver(_canonical(tasks))
    summary = _bench(subset_file, sandbox, canonical_root, first, ["single"], tmp_path, limit=2)
    results = Path(summary.files["results"])
    with results.open("a") as fh:
        fh.write('{"task_id": "HumanEval/24", "workf')  # killed mid-write
    second = FakeSolver(_canonical(tasks))
    again = _bench(
        subset_file, sandbox, canonical_root, second, ["single", "other"], tmp_path, resume=results
    )
    done = {(task.task_id, workflow) for task, workflow, _ in second.calls}
    assert ("HumanEval/2", "single") not in done and ("HumanEval/13", "single") not in done
    assert len(done) == 6  # 2 remaining single pairs + 4 "other" pairs
    assert {w.workflow: w.n for w in again.workflows} == {"single": 4, "other": 4}
    assert len(results.read_text().splitlines()) == 8


def test_resume_refuses_results_of_another_dataset(
    subset_file: Path, sandbox: Sandbox, canonical_root: Path, tasks: dict[str, BenchTask], tmp_path: Path
) -> None:
    results = tmp_path / "results.jsonl"
    results.write_text(
        json.dumps(
            {
                "task_id": "HumanEval/2",
                "workflow": "single",
                "solution": "",
                "base": False,
                "plus": False,
                "verdict": "x",
                "stop_reason": None,
                "dataset_sha256": "0" * 64,
            }
        )
        + "\n"
        + "{}\n"
    )
    with pytest.raises(TaskError, match="another dataset"):
        _bench(
            subset_file,
            sandbox,
            canonical_root,
            FakeSolver(_canonical(tasks)),
            ["single"],
            tmp_path,
            resume=results,
        )


def test_a_solver_out_of_budget_fails_that_task_only(
    subset_file: Path, sandbox: Sandbox, canonical_root: Path, tasks: dict[str, BenchTask], tmp_path: Path
) -> None:
    def answer(task: FunctionTask, workflow: str, seed: int) -> str:
        if task.task_id == "HumanEval/2":
            exc = BudgetExceeded("out of tokens", reason="budget:tokens")
            exc.spent = {"tokens": 900, "calls": 3, "seconds": 4.0}  # type: ignore[attr-defined]
            raise exc
        return tasks[task.task_id].canonical_code

    summary = _bench(subset_file, sandbox, canonical_root, FakeSolver(answer), ["single"], tmp_path)
    assert summary.to_json()["workflows"]["single"]["pass_plus"] == 3
    rows = [json.loads(line) for line in Path(summary.files["results"]).read_text().splitlines()]
    failed = next(row for row in rows if row["task_id"] == "HumanEval/2")
    assert failed["stop_reason"] == "budget:tokens" and failed["plus"] is False
    assert failed["usage"]["tokens"] == 900 and failed["usage"]["calls"] == 3  # what it spent still counts


def test_a_task_given_up_carries_what_its_calls_spent() -> None:
    from sparring.cli.bench import charged
    from sparring.llm import Meter, Usage

    meter = Meter()
    meter.add("coder", Usage(100, 20), seconds=1.0, cached=False)
    with pytest.raises(BudgetExceeded) as caught, charged(meter):
        raise BudgetExceeded("out of tokens", reason="budget:tokens")
    assert caught.value.spent["tokens"] == 120 and caught.value.spent["calls"] == 1  # type: ignore[attr-defined]


def test_oracle_counts_a_task_when_any_of_k_samples_passes(
    subset_file: Path, sandbox: Sandbox, canonical_root: Path, tasks: dict[str, BenchTask]
) -> None:
    def answer(task: FunctionTask, workflow: str, seed: int) -> str:
        assert workflow == "single"
        good = task.task_id == "HumanEval/13" and seed == 2
        return tasks[task.task_id].canonical_code if good else wrong_code(task)

    def run(k: int) -> Any:
        return oracle(
            str(subset_file),
            FakeSolver(answer),
            k,
            sandbox=sandbox,
            cache=canonical_root,
            scoring=FAST,
            console=_quiet(),
            limit=2,
        )

    assert run(2).solved == ()
    three = run(3)
    assert three.solved == ("HumanEval/13",) and three.rate == 0.5 and three.samples == 6


def test_a_fresh_run_never_overwrites_earlier_results(
    subset_file: Path, sandbox: Sandbox, canonical_root: Path, tasks: dict[str, BenchTask], tmp_path: Path
) -> None:
    (tmp_path / "results.jsonl").write_text("{}\n")
    with pytest.raises(ConfigError, match="resume it"):
        _bench(subset_file, sandbox, canonical_root, FakeSolver(_canonical(tasks)), ["single"], tmp_path)


def test_report_names_no_wall_clock_when_none_was_measured() -> None:
    assembled = summarize([], ["single"], dataset="d", sha256="x", has_plus=False)
    timed = summarize([], ["single"], dataset="d", sha256="x", has_plus=False, wall_seconds=42.0)
    assert "wall clock" not in markdown(assembled)
    assert "wall clock 42 s" in markdown(timed)


def test_one_workflow_under_two_team_files_runs_side_by_side(
    subset_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sparring.cli import main

    one = tmp_path / "one.toml"
    one.write_text("[team]\nsamples = 1\nwiden = 0\n", encoding="utf-8")
    code = "```python\ndef truncate_number(number: float) -> float:\n    return number % 1.0\n```"
    argv = ["bench", str(subset_file), "--limit", "1", "-w", "sop", "-w", f"sop:{one}", "--no-baseline"]
    out = ["--model", f"scripted:{code}", "--out", str(tmp_path / "o"), "--store", str(tmp_path / "r.db")]
    assert main([*argv, *out, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["summary"]["workflows"]
    assert rows["sop"]["pass_plus"] == rows[f"sop:{one}"]["pass_plus"] == 1
    assert rows["sop"]["calls"] == 4 and rows[f"sop:{one}"]["calls"] == 1  # four candidates against one
    (entry,) = manifest.read(tmp_path / "o")  # what produced the rows is recorded beside them
    assert (
        entry["workflows"] == ["sop", f"sop:{one}"] and entry["teams"]["sop"] != entry["teams"][f"sop:{one}"]
    )
    assert entry["command"].startswith("sparring bench ") and "--json" in entry["command"]
    assert entry["rows"] == 2 and entry["selection"]["limit"] == 1 and entry["dataset_sha256"]

    # resumed under another team for one more task: the report flags rows pooled from two teams
    more = ["bench", str(subset_file), "--limit", "2", "-w", "sop", "--team", str(one), "--no-baseline"]
    assert main([*more, "--resume", str(tmp_path / "o"), *out[:2], *out[4:]]) == 0
    assert [e["rows"] for e in manifest.read(tmp_path / "o")] == [2, 1]
    assert "differ in: team of sop." in (tmp_path / "o" / "report.md").read_text(encoding="utf-8")

    assert main(["bench", str(subset_file), "-w", "sop:", *out]) == 1
    assert main(["bench", str(subset_file), "-w", f"sop:{tmp_path / 'none.toml'}", *out]) == 1
    err = capsys.readouterr().err
    assert "name a team file after ':'" in err and "team file not found" in err and "Traceback" not in err
