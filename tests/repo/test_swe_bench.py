"""``sparring bench`` on repository instances end to end: the shipped isodate bundle, real git, the
real sandbox, a cached environment built offline, and a scripted model."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rich.console import Console

from sparring.bench import manifest
from sparring.bench.instances import RepoIssue, load_instances
from sparring.bench.repo_benchmark import run_repo_benchmark
from sparring.cli import main
from sparring.llm import Model, Request, ScriptedBackend
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.workflows import TeamConfig
from sparring.workflows.repo import RepoResult, solve_repo
from tests.repo.conftest import git
from tests.repo.test_repo_workflow import FIX


@dataclass
class ScriptedSolver:
    """Solves with the real repository workflows; the model answers from ``script``, and every
    prompt it was sent is kept."""

    script: Callable[[Request], str]
    prompts: list[str] = field(default_factory=list)

    def __call__(self, issue: RepoIssue, workflow: str, *, seed: int) -> RepoResult:
        def answer(request: Request) -> str:
            self.prompts += [m.content for m in request.messages]
            return self.script(request)

        model = Model(ScriptedBackend(answer))
        return solve_repo(
            issue.checkout, issue.text, TeamConfig(workflow), store=RunStore(":memory:"),
            sandbox=open_sandbox(), base=issue.base_commit, workflow=workflow,
            environment=issue.environment, models=lambda role: model,
        )  # fmt: skip


def _bench(dataset: str, solver: ScriptedSolver, out: Path, **kwargs: object) -> dict[str, object]:
    summary = run_repo_benchmark(
        dataset, ["single"], solver, out_dir=out, console=Console(file=io.StringIO()), **kwargs
    )  # type: ignore[arg-type]
    return summary.to_json()


def test_the_reference_fix_resolves_a_shipped_instance_and_the_fix_stays_hidden(tmp_path: Path) -> None:
    instance = load_instances("isodate-bugs").instances[0]
    solver = ScriptedSolver(lambda r: f"```diff\n{instance.patch}```")
    summary = _bench("isodate-bugs", solver, tmp_path, limit=1)
    single = summary["workflows"]["single"]  # type: ignore[index]
    assert summary["metric"] == "resolved" and single["pass_base"] == 1 and single["calls"] == 1
    row = json.loads((tmp_path / "results.jsonl").read_text())
    assert row["task_id"] == "isodate-1" and row["base"] is True and row["verdict"] == "unverified"
    assert row["solution"].startswith("diff --git a/src/isodate/isotzinfo.py")
    seen = "\n".join(solver.prompts)
    assert "Negative UTC offsets" in seen and "src/isodate/isotzinfo.py" in seen  # retrieved, unimported
    assert "FAIL_TO_PASS" not in seen and "expected6" not in seen and instance.patch not in seen
    assert "resolved" in (tmp_path / "report.md").read_text()


def test_a_wrong_patch_does_not_resolve_it(tmp_path: Path) -> None:
    wrong = (
        'src/isodate/isotzinfo.py\n<<<<<<< SEARCH\n    if tzname == "Z":\n        return UTC\n'
        '=======\n    if tzname in ("Z", "z"):\n        return UTC\n>>>>>>> REPLACE\n'
    )
    summary = _bench("isodate-bugs", ScriptedSolver(lambda r: wrong), tmp_path, limit=1)
    assert summary["workflows"]["single"]["pass_base"] == 0  # type: ignore[index]
    row = json.loads((tmp_path / "results.jsonl").read_text())
    assert row["base"] is False and "tests/test_time.py::test_parse[15:27:46-05:30" in row["base_reason"]


HIDDEN = """diff --git a/tests/test_hidden.py b/tests/test_hidden.py
new file mode 100644
--- /dev/null
+++ b/tests/test_hidden.py
@@ -0,0 +1,5 @@
+from pages.ranges import parse_range
+
+
+def test_a_range_ends_at_its_last_page():
+    assert parse_range("2-4") == [2, 3, 4]
"""


def test_hidden_tests_are_added_only_where_the_patch_is_scored(git_repo: Path, tmp_path: Path) -> None:
    base = git(git_repo, "rev-parse", "HEAD").strip()
    row = {
        "instance_id": "pages-1", "repo": str(git_repo), "base_commit": base,
        "problem_statement": "parse_range('2-4') leaves out page 4.",
        "FAIL_TO_PASS": ["tests/test_hidden.py::test_a_range_ends_at_its_last_page"],
        "PASS_TO_PASS": ["tests/test_pages.py::test_single_page"], "test_patch": HIDDEN,
    }  # fmt: skip
    data = tmp_path / "pages.jsonl"
    data.write_text(json.dumps(row) + "\n")
    solver = ScriptedSolver(lambda r: FIX)
    summary = _bench(str(data), solver, tmp_path / "out")
    assert summary["workflows"]["single"]["pass_base"] == 1  # type: ignore[index]
    assert "test_hidden" not in "\n".join(solver.prompts) and "2, 3, 4" not in "\n".join(solver.prompts)
    assert not (git_repo / "tests" / "test_hidden.py").exists()


def test_the_command_line_runs_the_shipped_instances(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["bench", "isodate-bugs", "--limit", "1", "-w", "single", "--model", "scripted:no idea"]
    code = main([*argv, "--out", str(out), "--store", str(tmp_path / "runs.db"), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["workflows"]["single"]["n"] == 1 and summary["workflows"]["single"]["pass_base"] == 0
    (entry,) = manifest.read(out)
    assert entry["workflows"] == ["single"] and entry["dataset_sha256"] and entry["selection"]["limit"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-w", "sop"], "unknown repository workflow 'sop'"),
        (["--oracle", "3"], "--sample and --oracle are for function datasets"),
    ],
)
def test_user_mistakes_on_instances_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = main(["bench", "isodate-bugs", *args, "--model", "scripted:x", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1 and message in err and "Traceback" not in err


def test_the_team_runs_its_tests_in_the_repositorys_own_environment(git_repo: Path) -> None:
    from sparring.config import cache_dir
    from tests.repo.test_repo_workflow import ISSUE, coder_then

    model = Model(ScriptedBackend(coder_then(FIX)))
    result = solve_repo(
        git_repo, ISSUE, TeamConfig("repo"), store=RunStore(":memory:"), sandbox=open_sandbox(),
        models=lambda role: model, own_environment=True,
    )  # fmt: skip
    assert result.verdict == "passed" and result.evidence["baseline"] == {"tests": 2, "passed": 2}
    assert list((cache_dir() / "repo-envs").glob("pages-project-*/.sparring-ready"))


def test_a_resumed_run_solves_only_the_pairs_not_yet_finished(git_repo: Path, tmp_path: Path) -> None:
    base = git(git_repo, "rev-parse", "HEAD").strip()
    row = {
        "instance_id": "pages-1", "repo": str(git_repo), "base_commit": base,
        "problem_statement": "parse_range('2-4') leaves out page 4.",
        "FAIL_TO_PASS": ["tests/test_pages.py::test_single_page"], "PASS_TO_PASS": [],
    }  # fmt: skip
    data = tmp_path / "pages.jsonl"
    data.write_text(json.dumps(row) + "\n")
    out = tmp_path / "out"
    _bench(str(data), ScriptedSolver(lambda r: FIX), out)
    calls: list[str] = []

    def again(issue: RepoIssue, workflow: str, *, seed: int) -> RepoResult:
        calls.append(workflow)
        return ScriptedSolver(lambda r: FIX)(issue, workflow, seed=seed)

    summary = run_repo_benchmark(
        str(data), ["single", "repo"], again, resume=out, console=Console(file=io.StringIO())
    )
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert calls == ["repo"] and [r["workflow"] for r in rows] == ["single", "repo"]
    assert summary.to_json()["workflows"]["single"]["n"] == 1  # type: ignore[index]
