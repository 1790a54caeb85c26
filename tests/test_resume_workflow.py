"""A function workflow killed with SIGKILL in the middle of a node resumes to the same events.

The child process runs ``reflexion`` with a scripted team whose reflector kills the process the
first time it is asked (a marker file remembers that it did). The parent resumes the run from the
store and compares its events with those of an uninterrupted run of the same script.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from sparring.llm import Model, Request, ScriptedBackend
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.tasks import demo_task
from sparring.workflows import TeamConfig, resume, solve
from tests.test_workflows import team_script


def killing_script(marker: Path) -> Any:
    def script(request: Request) -> str:
        if "debugging" in request.messages[0].content and not marker.exists():
            marker.write_text("killed once")
            os.kill(os.getpid(), signal.SIGKILL)
        return team_script(request)

    return script


def comparable(store: RunStore, run_id: str) -> list[tuple[Any, ...]]:
    """Events minus what legitimately differs between runs: wall-clock latencies and the resume mark."""
    out = []
    for e in store.events(run_id):
        if e.kind == "run.resumed":
            continue
        payload = {k: v for k, v in e.payload.items() if k not in ("latency", "duration")}
        out.append((e.kind, e.node, e.step, payload))
    return out


def run_child(store_path: str, marker: str) -> None:
    model = Model(ScriptedBackend(killing_script(Path(marker))))
    solve(
        demo_task(),
        TeamConfig(workflow="reflexion"),
        store=RunStore(store_path),
        sandbox=open_sandbox(),
        models=lambda role: model,
    )


def test_a_killed_reflexion_run_resumes_with_identical_events(tmp_path: Path) -> None:
    store_path, marker = tmp_path / "runs.db", tmp_path / "marker"
    root = Path(__file__).resolve().parents[1]
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from tests.test_resume_workflow import run_child; run_child({str(store_path)!r}, "
            f"{str(marker)!r})",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    store = RunStore(store_path)
    [killed] = store.runs()
    model = Model(ScriptedBackend(killing_script(marker)))
    resumed = resume(killed.run_id, store=store, sandbox=open_sandbox(), models=lambda role: model)
    assert resumed.verdict == "passed"

    fresh_store = RunStore(tmp_path / "fresh.db")
    fresh = solve(
        demo_task(),
        TeamConfig(workflow="reflexion"),
        store=fresh_store,
        sandbox=open_sandbox(),
        models=lambda role: Model(ScriptedBackend(team_script)),
    )
    assert comparable(store, resumed.run_id) == comparable(fresh_store, fresh.run_id)
    assert resumed.usage["calls"] == fresh.usage["calls"]  # nothing repeated, nothing lost
