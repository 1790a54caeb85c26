"""The run store's SQLite schema as an ordered list of migrations, and the function that applies them.

``PRAGMA user_version`` holds how many migrations a database has had. Opening a store applies the
missing ones in order, each in its own transaction, so an old file is upgraded in place and a
crash half-way leaves it at a consistent version. Append new migrations; never edit an old one.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable

from sparring.errors import ConfigError

Migration = Callable[[sqlite3.Connection], None]


def _v1_runs_events_checkpoints(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE runs (
            run_id TEXT PRIMARY KEY,
            workflow TEXT NOT NULL,
            task TEXT NOT NULL,
            config TEXT NOT NULL,
            status TEXT NOT NULL,
            created REAL NOT NULL,
            updated REAL NOT NULL,
            result TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            step INTEGER NOT NULL,
            node TEXT,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            ts REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX events_by_run ON events(run_id, seq)")
    db.execute(
        """CREATE TABLE checkpoints (
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            step INTEGER NOT NULL,
            next_node TEXT NOT NULL,
            state TEXT NOT NULL,
            guards TEXT NOT NULL,
            elapsed REAL NOT NULL,
            ts REAL NOT NULL,
            PRIMARY KEY (run_id, step)
        )"""
    )


def _v2_title_and_owner(db: sqlite3.Connection) -> None:
    """A title for run listings (backfilled from the task's first line) and the process that owns a run."""
    db.execute("ALTER TABLE runs ADD COLUMN title TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE runs ADD COLUMN pid INTEGER")
    db.execute("ALTER TABLE runs ADD COLUMN host TEXT")
    rows = db.execute("SELECT run_id, task FROM runs").fetchall()
    for run_id, task in rows:
        db.execute("UPDATE runs SET title = ? WHERE run_id = ?", (title_of(task), run_id))


def _v3_lessons(db: sqlite3.Connection) -> None:
    """Lessons across runs: the text, the run whose verified fix taught it, and how it has fared since."""
    db.execute(
        """CREATE TABLE lessons (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            text TEXT NOT NULL,
            task TEXT NOT NULL,
            run_id TEXT,
            created REAL NOT NULL,
            retrieved INTEGER NOT NULL DEFAULT 0,
            used INTEGER NOT NULL DEFAULT 0,
            helped INTEGER NOT NULL DEFAULT 0,
            retired TEXT
        )"""
    )


MIGRATIONS: list[Migration] = [_v1_runs_events_checkpoints, _v2_title_and_owner, _v3_lessons]


_IMPORT = re.compile(r"import\s+[\w.]+|from\s+[\w.]+\s+import\b")


def title_of(text: str, width: int = 80) -> str:
    """The first non-blank line of a task that is not an import (a prompt opening with ``from typing
    import List`` is titled by its ``def`` line), cut to ``width`` characters."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = next((line for line in lines if not _IMPORT.match(line)), lines[0] if lines else "")
    return first if len(first) <= width else first[: width - 1] + "…"


def migrate(db: sqlite3.Connection, migrations: list[Migration] = MIGRATIONS) -> int:
    """Bring ``db`` (autocommit mode) up to ``len(migrations)``; returns the version it ended at."""
    while True:
        db.execute("BEGIN IMMEDIATE")  # re-read the version under the write lock: other processes migrate too
        try:
            version: int = db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(migrations):
                raise ConfigError(
                    f"run store schema version {version} is newer than this sparring knows "
                    f"({len(migrations)}); upgrade sparring"
                )
            if version == len(migrations):
                db.execute("COMMIT")
                return version
            migrations[version](db)
            db.execute(f"PRAGMA user_version = {version + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
