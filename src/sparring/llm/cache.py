"""The response cache: a SQLite table keyed by the full request, so reruns at temperature 0 are free."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sparring.llm.types import Completion, Request, Usage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    text TEXT NOT NULL,
    finish_reason TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    created REAL NOT NULL,
    more TEXT NOT NULL DEFAULT '[]'
)
"""


def request_key(model: str, request: Request) -> str:
    """A stable digest of everything that can change the answer."""
    material = {"model": model, **request.cache_key_material()}
    blob = json.dumps(material, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


class ResponseCache:
    """Thread-safe; one connection guarded by a lock (calls are short next to model latency)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(responses)")}
        if "more" not in columns:  # a cache written before requests could ask for several choices
            self._db.execute("ALTER TABLE responses ADD COLUMN more TEXT NOT NULL DEFAULT '[]'")

    def get(self, model: str, request: Request) -> Completion | None:
        with self._lock:
            row = self._db.execute(
                "SELECT text, finish_reason, prompt_tokens, completion_tokens, more"
                " FROM responses WHERE key=?",
                (request_key(model, request),),
            ).fetchone()
        if row is None:
            return None
        more = tuple(str(t) for t in json.loads(row[4]))
        usage = Usage(row[2], row[3])
        return Completion(text=row[0], finish_reason=row[1], usage=usage, model=model, more=more)

    def put(self, model: str, request: Request, completion: Completion) -> None:
        values: tuple[Any, ...] = (
            request_key(model, request),
            model,
            completion.text,
            completion.finish_reason,
            completion.usage.prompt_tokens,
            completion.usage.completion_tokens,
            time.time(),
            json.dumps(list(completion.more), ensure_ascii=False),
        )
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses"
                " (key, model, text, finish_reason, prompt_tokens, completion_tokens, created, more)"
                " VALUES (?,?,?,?,?,?,?,?)",
                values,
            )

    def __len__(self) -> int:
        with self._lock:
            (n,) = self._db.execute("SELECT COUNT(*) FROM responses").fetchone()
        return int(n)

    def close(self) -> None:
        with self._lock:
            self._db.close()
