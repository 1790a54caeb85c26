"""The run store on SQLite: runs, their append-only event log, and node checkpoints.

One connection per store in WAL mode, shared by every thread behind a lock: agents record from
parallel threads, and another process (a CLI listing runs, a resumed run) may read the file
concurrently. ``commit`` is the one write path for a running graph: the events a node recorded,
the checkpoint after it and the run's new status land in a single transaction, which is what
makes resume exact. ``synchronous=NORMAL`` keeps committed transactions across a killed process
(kill -9); a power cut may lose the last few.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Any, Literal, cast

import platformdirs
from pydantic import BaseModel

from sparring.errors import ConfigError, StaleRun
from sparring.store.schema import migrate, title_of

# ``paused``: waiting at an approval gate for a person's decision (``Graph.resume`` with one continues it).
RunStatus = Literal["running", "paused", "passed", "failed", "stopped", "crashed"]
FINISHED: frozenset[str] = frozenset({"passed", "failed", "stopped"})


@dataclass(frozen=True)
class Event:
    """One entry of a run's log; ``seq``, ``ts`` and ``run_id`` are filled in by the store."""

    kind: str
    payload: dict[str, Any]
    node: str | None = None
    step: int = 0
    seq: int = 0
    ts: float = 0.0
    run_id: str = ""


@dataclass(frozen=True)
class Checkpoint:
    """The state after ``step`` nodes, the node to run next, and the guards' memory."""

    step: int
    next_node: str
    state: dict[str, Any]
    guards: dict[str, Any]
    elapsed: float


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    workflow: str
    task: str
    title: str
    config: dict[str, Any]
    status: RunStatus
    created: float
    updated: float
    result: dict[str, Any] | None
    pid: int | None
    host: str | None


def _jsonable(obj: object) -> object:
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, set | frozenset):
        return sorted(obj, key=repr)
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


def to_json(value: object) -> str:
    """JSON text of event payloads and states; pydantic models and dataclasses are accepted."""
    return json.dumps(value, default=_jsonable, ensure_ascii=False)


def default_store_path() -> Path:
    """``$SPARRING_STORE``, else ``runs.db`` in the user's data directory."""
    env = os.environ.get("SPARRING_STORE")
    return Path(env) if env else Path(platformdirs.user_data_dir("sparring")) / "runs.db"


class RunStore:
    """Durable runs, events and checkpoints in one SQLite file (``":memory:"`` for a throwaway store)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self._lock = threading.RLock()
        try:
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(self.path), timeout=30, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the run store {self.path}: {exc}") from None
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        with self._lock:
            self.schema_version = migrate(self._db)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- writes ---------------------------------------------------------------------------------

    def create_run(
        self,
        workflow: str,
        task: str,
        config: Mapping[str, Any],
        first: Checkpoint,
        *,
        title: str | None = None,
    ) -> str:
        """Register a new run with its initial checkpoint and a ``run.created`` event; returns its id."""
        run_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        now = time.time()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO runs (run_id, workflow, task, config, status, created, updated, title, pid,"
                " host) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)",
                (run_id, workflow, task, to_json(config), now, now, title or title_of(task), os.getpid(),
                 socket.gethostname()),
            )  # fmt: skip
            created = Event("run.created", {"workflow": workflow, "task": task, "config": dict(config)})
            self._write(db, run_id, [created], first, None, None)
        return run_id

    def commit(
        self,
        run_id: str,
        events: Sequence[Event],
        *,
        checkpoint: Checkpoint | None = None,
        status: RunStatus | None = None,
        result: Mapping[str, Any] | None = None,
        expect: RunStatus | None = None,
    ) -> None:
        """Append ``events``, save ``checkpoint`` and set the run's status/result, all or nothing;
        with ``expect``, only if the run's status still is that (else ``StaleRun``, nothing written)."""
        with self._transaction() as db:
            if expect is not None:
                row = db.execute("SELECT status FROM runs WHERE run_id = ?", (run_id,)).fetchone()
                if row is None or row[0] != expect:
                    now = row[0] if row else "gone"
                    raise StaleRun(f"run {run_id} is no longer {expect} (it is {now}): decided elsewhere")
            self._write(db, run_id, events, checkpoint, status, result)

    @staticmethod
    def _write(
        db: sqlite3.Connection,
        run_id: str,
        events: Sequence[Event],
        checkpoint: Checkpoint | None,
        status: RunStatus | None,
        result: Mapping[str, Any] | None,
    ) -> None:
        now = time.time()
        rows = [(run_id, e.step, e.node, e.kind, to_json(e.payload), e.ts or now) for e in events]
        db.executemany(
            "INSERT INTO events (run_id, step, node, kind, payload, ts) VALUES (?, ?, ?, ?, ?, ?)", rows
        )
        if checkpoint is not None:
            c = checkpoint
            db.execute(
                "INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?, ?, ?, ?)",
                (run_id, c.step, c.next_node, to_json(c.state), to_json(c.guards), c.elapsed, now),
            )
        if status is not None:
            db.execute(
                "UPDATE runs SET status = ?, pid = ?, host = ? WHERE run_id = ?",
                (status, os.getpid(), socket.gethostname(), run_id),
            )
        if result is not None:
            db.execute("UPDATE runs SET result = ? WHERE run_id = ?", (to_json(result), run_id))
        db.execute("UPDATE runs SET updated = ? WHERE run_id = ?", (now, run_id))

    def sql(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """One statement in its own transaction, for tables kept beside the run log (lessons)."""
        with self._transaction() as db:
            return db.execute(statement, tuple(params)).fetchall()

    # -- reads ----------------------------------------------------------------------------------

    _RUN_COLUMNS = "run_id, workflow, task, title, config, status, created, updated, result, pid, host"

    @staticmethod
    def _run_of(row: tuple[Any, ...]) -> RunRecord:
        run_id, workflow, task, title, config, status, created, updated, result, pid, host = row
        return RunRecord(
            run_id, workflow, task, title, json.loads(config), cast(RunStatus, status), created, updated,
            json.loads(result) if result is not None else None, pid, host,
        )  # fmt: skip

    def run(self, run_id: str) -> RunRecord:
        with self._lock:
            query = f"SELECT {self._RUN_COLUMNS} FROM runs WHERE run_id = ?"
            row = self._db.execute(query, (run_id,)).fetchone()
        if row is None:
            raise ConfigError(f"no run {run_id!r} in the run store {self.path}")
        return self._run_of(row)

    def runs(self) -> list[RunRecord]:
        """Every run, newest first."""
        with self._lock:
            rows = self._db.execute(f"SELECT {self._RUN_COLUMNS} FROM runs ORDER BY created DESC").fetchall()
        return [self._run_of(row) for row in rows]

    def events(self, run_id: str) -> list[Event]:
        """A run's log in the order it was committed."""
        with self._lock:
            rows = self._db.execute(
                "SELECT kind, payload, node, step, seq, ts, run_id FROM events WHERE run_id = ? ORDER BY seq",
                (run_id,),
            ).fetchall()
        return [Event(k, json.loads(p), n, st, sq, ts, r) for k, p, n, st, sq, ts, r in rows]

    def last_checkpoint(self, run_id: str) -> Checkpoint:
        with self._lock:
            row = self._db.execute(
                "SELECT step, next_node, state, guards, elapsed FROM checkpoints"
                " WHERE run_id = ? ORDER BY step DESC LIMIT 1",
                (run_id,),
            ).fetchone()
        if row is None:
            raise ConfigError(f"run {run_id!r} has no checkpoint in the run store {self.path}")
        step, next_node, state, guards, elapsed = row
        return Checkpoint(step, next_node, json.loads(state), json.loads(guards), elapsed)
