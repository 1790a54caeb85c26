"""The run store on a real SQLite file: writes, atomic commits, migrations, threads, the runs API."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sparring.errors import ConfigError
from sparring.store import (
    Checkpoint,
    Event,
    RunStore,
    default_store_path,
    export_run,
    list_runs,
    show_run,
)
from sparring.store.schema import MIGRATIONS, migrate

FIRST = Checkpoint(0, "plan", {"round": 0}, {}, 0.0)


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    return RunStore(tmp_path / "runs.db")


def test_a_new_store_is_wal_and_at_the_latest_schema(store: RunStore) -> None:
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == store.schema_version


def test_create_commit_and_read_back(store: RunStore) -> None:
    run_id = store.create_run("sop", "Add two numbers\nmore text", {"model": "local"}, FIRST)
    store.commit(
        run_id,
        [Event("message", {"role": "coder", "reply": "x"}, "code", 1)],
        checkpoint=Checkpoint(1, "run", {"round": 1}, {"code": ["ab"]}, 1.5),
    )
    run = store.run(run_id)
    assert (run.workflow, run.title, run.status, run.config) == (
        "sop",
        "Add two numbers",
        "running",
        {"model": "local"},
    )
    kinds = [(e.kind, e.node, e.step) for e in store.events(run_id)]
    assert kinds == [("run.created", None, 0), ("message", "code", 1)]
    assert store.last_checkpoint(run_id) == Checkpoint(1, "run", {"round": 1}, {"code": ["ab"]}, 1.5)


def test_a_commit_is_all_or_nothing(store: RunStore) -> None:
    run_id = store.create_run("sop", "t", {}, FIRST)
    bad = [Event("ok", {"a": 1}), Event("bad", {"b": object()})]
    with pytest.raises(TypeError):
        store.commit(run_id, bad, checkpoint=Checkpoint(1, "x", {}, {}, 0.0), status="passed")
    assert [e.kind for e in store.events(run_id)] == ["run.created"]
    assert store.last_checkpoint(run_id).step == 0
    assert store.run(run_id).status == "running"


def test_unknown_run_is_a_config_error(store: RunStore) -> None:
    with pytest.raises(ConfigError, match="no run 'nope'"):
        store.run("nope")


def test_an_old_database_migrates_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    assert migrate(db, MIGRATIONS[:1]) == 1
    db.execute(
        "INSERT INTO runs VALUES ('r1', 'sop', '\n  Fix the parser\nsecond line', '{}', 'passed', 1.0, 2.0,"
        ' \'{"reason": "passed"}\')'
    )
    db.execute(
        "INSERT INTO events (run_id, step, node, kind, payload, ts) VALUES ('r1', 1, 'a', 'x', '{}', 1.0)"
    )
    db.close()

    store = RunStore(path)
    assert store.schema_version == len(MIGRATIONS)
    run = store.run("r1")
    assert (run.title, run.status, run.pid, run.result) == (
        "Fix the parser",
        "passed",
        None,
        {"reason": "passed"},
    )
    assert [e.kind for e in store.events("r1")] == ["x"]
    assert [s.reason for s in list_runs(store)] == ["passed"]


def test_a_database_from_a_newer_sparring_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    sqlite3.connect(path).execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(ConfigError, match="newer"):
        RunStore(path)


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    stores = [RunStore(path), RunStore(path)]  # two connections, as two processes would have
    run_id = stores[0].create_run("sop", "t", {}, FIRST)

    def write(worker: int) -> None:
        store = stores[worker % 2]
        for i in range(40):
            store.commit(run_id, [Event("message", {"worker": worker, "i": i})])

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events = stores[1].events(run_id)[1:]
    assert len(events) == 8 * 40
    assert len({e.seq for e in events}) == len(events)
    for worker in range(8):  # each writer's own events stay in its order
        assert [e.payload["i"] for e in events if e.payload["worker"] == worker] == list(range(40))


def test_runs_api(store: RunStore) -> None:
    first = store.create_run("single", "Reverse a list", {}, FIRST)
    second = store.create_run("sop", "Fix bug #12", {"k": 1}, FIRST)
    store.commit(second, [Event("run.finished", {"status": "stopped"})], status="stopped",
                 result={"status": "stopped", "reason": "stopped:oscillation"})  # fmt: skip

    summaries = {s.run_id: s for s in list_runs(store)}
    assert summaries[second].status == "stopped" and summaries[second].reason == "stopped:oscillation"
    assert summaries[first].status == "running" and summaries[first].title == "Reverse a list"

    view = show_run(store, second)
    assert view.summary.workflow == "sop"
    assert [e.kind for e in view.events] == ["run.created", "run.finished"]

    exported = export_run(store, second)
    assert json.loads(json.dumps(exported)) == exported
    assert exported["result"] == {"status": "stopped", "reason": "stopped:oscillation"}
    assert exported["run"]["task"] == "Fix bug #12" and len(exported["events"]) == 2


def test_a_running_run_whose_process_died_is_listed_as_crashed(store: RunStore) -> None:
    run_id = store.create_run("sop", "t", {}, FIRST)
    assert list_runs(store)[0].status == "running"  # owned by this live process
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE runs SET pid = ? WHERE run_id = ?", (int(dead.stdout), run_id))
    assert list_runs(store)[0].status == "crashed"
    assert export_run(store, run_id)["run"]["status"] == "crashed"


def test_store_location_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SPARRING_STORE", str(tmp_path / "elsewhere.db"))
    assert default_store_path() == tmp_path / "elsewhere.db"
    assert RunStore().path == tmp_path / "elsewhere.db"
    monkeypatch.delenv("SPARRING_STORE")
    assert default_store_path().name == "runs.db" and "sparring" in str(default_store_path())


def test_a_task_opening_with_imports_is_titled_by_its_def_line() -> None:
    from sparring.store.schema import title_of

    assert title_of("\nfrom typing import List\nimport math\n\ndef f(x: List[int]) -> int:\n") == (
        "def f(x: List[int]) -> int:"
    )
    assert title_of("import os") == "import os"  # nothing else to name it by
    assert title_of("Reverse a list\nfrom the end") == "Reverse a list"
    assert title_of("from the end, reverse a list") == "from the end, reverse a list"  # prose, not an import
