"""Lessons across runs, kept in the run store: admitted only from a fix verified by tests, retrieved by
lexical similarity (BM25 over the lesson and the task it came from) into later runs' context, and
retired when the runs that used them stop passing.

Each lesson carries its evidence: the run that taught it, how often it was retrieved, how many
finished runs had it in context (``used``) and how many of those passed (``helped``). A lesson used
at least ``RETIRE_AFTER`` times whose pass rate is below ``RETIRE_BELOW`` is retired (kept, with the
reason, but no longer retrieved). Lessons are opt-in (the team setting ``lessons``), so benchmark
runs stay reproducible.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sparring.errors import ConfigError, SparringError
from sparring.graph import Models, RunContext
from sparring.guards import Guards, Limits
from sparring.roles import Role
from sparring.store import RunStore
from sparring.store.schema import title_of

RETRIEVE = 3
MIN_SHARED = 2  # distinct terms a lesson must share with a task to be retrieved
RETIRE_AFTER = 4
RETIRE_BELOW = 0.5
MAX_CHARS = 400
# fmt: off
_STOP = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "if", "in", "is", "it", "its", "of",
    "on", "or", "return", "returns", "that", "the", "this", "to", "with", "list", "int", "str", "none",
    "true", "false", "def", "given", "each", "all", "any", "which", "when", "not",
    # every task says these ("Write a python function to ..."), so they relate no lesson to a task
    "write", "python", "function", "functions", "program", "code", "use", "using",
})
# fmt: on


@dataclass(frozen=True)
class LessonRecord:
    id: int
    text: str
    task: str
    run_id: str | None
    created: float
    retrieved: int
    used: int
    helped: int
    retired: str | None

    @property
    def pass_rate(self) -> float | None:
        return self.helped / self.used if self.used else None


_COLUMNS = "id, text, task, run_id, created, retrieved, used, helped, retired"


def tokens(text: str) -> list[str]:
    return [t for t in re.findall(r"[a-z][a-z0-9]+", text.lower()) if t not in _STOP]


def bm25(query: str, documents: Sequence[str], k1: float = 1.2, b: float = 0.75) -> list[float]:
    """The BM25 score of each document for ``query`` (0 when they share no term)."""
    docs = [Counter(tokens(d)) for d in documents]
    if not docs:
        return []
    avg = sum(sum(d.values()) for d in docs) / len(docs) or 1.0
    df = Counter(t for d in docs for t in d)
    scores = []
    for d in docs:
        length, score = sum(d.values()), 0.0
        for term in set(tokens(query)):
            if term in d:
                idf = math.log(1 + (len(docs) - df[term] + 0.5) / (df[term] + 0.5))
                score += idf * d[term] * (k1 + 1) / (d[term] + k1 * (1 - b + b * length / avg))
        scores.append(score)
    return scores


class Lessons:
    """The lessons table of a run store."""

    def __init__(self, store: RunStore) -> None:
        self.store = store

    def all(self, *, retired: bool = True) -> list[LessonRecord]:
        where = "" if retired else " WHERE retired IS NULL"
        rows = self.store.sql(f"SELECT {_COLUMNS} FROM lessons{where} ORDER BY id")
        return [LessonRecord(*row) for row in rows]

    def get(self, lesson_id: int) -> LessonRecord:
        rows = self.store.sql(f"SELECT {_COLUMNS} FROM lessons WHERE id = ?", (lesson_id,))
        if not rows:
            raise ConfigError(f"no lesson {lesson_id} in the run store {self.store.path}")
        return LessonRecord(*rows[0])

    def add(self, text: str, task: str, run_id: str | None) -> int | None:
        """Store a lesson; None when the same lesson (ignoring case and spacing) is already there."""
        norm = " ".join(text.lower().split())
        if any(" ".join(r.text.lower().split()) == norm for r in self.all()):
            return None
        rows = self.store.sql(
            "INSERT INTO lessons (text, task, run_id, created) VALUES (?, ?, ?, ?) RETURNING id",
            (text, title_of(task), run_id, time.time()),
        )
        return int(rows[0][0])

    def forget(self, lesson_id: int) -> bool:
        return bool(self.store.sql("DELETE FROM lessons WHERE id = ? RETURNING id", (lesson_id,)))

    def retrieve(self, task: str, k: int = RETRIEVE) -> list[LessonRecord]:
        """The ``k`` active lessons most similar to ``task``, among those sharing at least
        ``MIN_SHARED`` distinct terms with it. IDF comes from the lessons alone, so with few lessons
        one shared word scores high: on 60 MBPP tasks a lesson about perfect squares was retrieved
        for 19 unrelated tasks through words like "python" and "function"."""
        active = self.all(retired=False)
        documents = [f"{r.text} {r.task}" for r in active]
        scores = bm25(task, documents)
        asked = set(tokens(task))
        related = [len(asked & set(tokens(d))) >= MIN_SHARED for d in documents]
        ranked = sorted(zip(scores, active, related, strict=True), key=lambda x: (-x[0], x[1].id))
        picked = [r for score, r, ok in ranked if score > 0 and ok][:k]
        for r in picked:
            self.store.sql("UPDATE lessons SET retrieved = retrieved + 1 WHERE id = ?", (r.id,))
        return picked

    def settle(self, lesson_ids: Sequence[int], passed: bool) -> list[int]:
        """Count a finished run that used these lessons; returns the ids this retired."""
        retired = []
        for lesson_id in lesson_ids:
            self.store.sql(
                "UPDATE lessons SET used = used + 1, helped = helped + ? WHERE id = ?",
                (int(passed), lesson_id),
            )
            r = self.get(lesson_id)
            rate = r.pass_rate
            if r.retired is None and rate is not None and r.used >= RETIRE_AFTER and rate < RETIRE_BELOW:
                why = f"runs that used it passed {r.helped} of {r.used} times"
                self.store.sql("UPDATE lessons SET retired = ? WHERE id = ?", (why, lesson_id))
                retired.append(lesson_id)
        return retired


def learn(
    store: RunStore,
    run_id: str,
    *,
    passed: bool,
    fixed: bool,
    task: str,
    code: str,
    reflections: Sequence[str],
    used: Sequence[int],
    writer: Role,
    models: Models,
) -> int | None:
    """After a run: settle the lessons it used, and — only when it passed after a failing round, i.e. a
    fix verified by tests — ask ``writer`` for one short general lesson. Recorded in the run's log."""
    lessons = Lessons(store)
    ctx = RunContext(run_id, store, models, None, Guards(Limits()), time.monotonic, threading.Event())
    ctx.node, ctx.step = "lessons", store.last_checkpoint(run_id).step
    events: dict[str, Any] = {"used": list(used), "passed": passed}
    events["retired"] = lessons.settle(used, passed)
    admitted: int | None = None
    if passed and fixed:
        try:
            reply = ctx.complete(
                writer.name,
                writer.messages(task=task, code=code, reflections=list(reflections)),
                temperature=writer.temperature,
                max_tokens=writer.max_tokens,
            )
            text = " ".join(reply.text.split())[:MAX_CHARS]
            if text and text.upper() != "NONE":
                admitted = lessons.add(text, task, run_id)
                events["admitted"] = {"id": admitted, "text": text}
        except SparringError as exc:  # a lesson is a bonus: its failure never fails the run
            events["error"] = str(exc)
    ctx.record("lessons", events)
    store.commit(run_id, ctx.drain())
    return admitted


__all__ = ["LessonRecord", "Lessons", "bm25", "learn", "tokens"]
