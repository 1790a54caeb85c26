"""Lessons across runs: the store migration, lexical retrieval, retirement, admission only after a
fix verified by tests, retrieval into the coder's context, and the CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from sparring.cli import main
from sparring.lessons import RETIRE_AFTER, Lessons, bm25
from sparring.llm import Model, Request, ScriptedBackend
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.store.schema import MIGRATIONS, migrate
from sparring.tasks import demo_task
from sparring.workflows import Result, TeamConfig, solve
from tests.test_workflows import GOOD, team_script

LESSON = "Sort intervals by their start before sweeping over them; inputs may arrive unsorted."


def test_a_v2_store_gains_an_empty_lessons_table(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    assert migrate(db, MIGRATIONS[:2]) == 2
    db.close()
    store = RunStore(path)
    assert store.schema_version == len(MIGRATIONS) == 3
    assert Lessons(store).all() == []


def test_retrieval_is_lexical_and_skips_unrelated_and_retired_lessons() -> None:
    lessons = Lessons(RunStore(":memory:"))
    sort_id = lessons.add(LESSON, "merge intervals", "r1")
    lessons.add("Strip whitespace before parsing a number from text.", "parse numbers", "r2")
    assert lessons.add(LESSON.upper(), "again", "r3") is None  # the same lesson is not stored twice
    found = lessons.retrieve("Merge all overlapping intervals, sorted by start")
    assert [r.id for r in found] == [sort_id] and lessons.get(sort_id).retrieved == 1
    assert lessons.retrieve("Compute the factorial of n") == []
    assert bm25("intervals", ["intervals intervals", "sort intervals by start", "other"])[2] == 0.0
    for _ in range(RETIRE_AFTER - 1):
        assert lessons.settle([sort_id], passed=False) == []
    assert lessons.settle([sort_id], passed=False) == [sort_id]
    retired = lessons.get(sort_id)
    assert retired.retired == f"runs that used it passed 0 of {RETIRE_AFTER} times" and retired.pass_rate == 0
    assert lessons.retrieve("Merge all overlapping intervals") == []


def test_one_shared_word_or_words_every_task_uses_do_not_retrieve_a_lesson() -> None:
    """With few lessons BM25's IDF makes any shared word score: on 60 MBPP runs one lesson about
    perfect squares was retrieved for 19 unrelated tasks. A lesson must share 2 distinct terms."""
    lessons = Lessons(RunStore(":memory:"))
    squares = lessons.add("Include the upper bound of the range of perfect squares.", "def f(a, b):", "r1")
    assert lessons.retrieve("Write a python function to count the numbers in a range.") == []
    assert [r.id for r in lessons.retrieve("Find the perfect squares between a and b.")] == [squares]


def solve_with_lessons(
    store: RunStore, first_try_right: bool, lessons: bool = True
) -> tuple[Result, ScriptedBackend]:
    def script(request: Request) -> str:
        system = request.messages[0].content
        if "distil" in system:
            return LESSON
        if "expert Python" in system and first_try_right:
            return GOOD
        return team_script(request)

    backend = ScriptedBackend(script)
    model = Model(backend)
    config = TeamConfig(workflow="reflexion", settings={"lessons": lessons})
    result = solve(demo_task(), config, store=store, sandbox=open_sandbox(), models=lambda role: model)
    return result, backend


def coder_prompts(backend: ScriptedBackend) -> list[str]:
    return [r.messages[-1].content for r in backend.requests if "expert Python" in r.messages[0].content]


def test_a_lesson_is_admitted_only_after_a_verified_fix_and_later_retrieved(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.db")
    lessons = Lessons(store)
    plain, _ = solve_with_lessons(store, first_try_right=True)  # passes at once: nothing was fixed
    assert plain.verdict == "passed" and lessons.all() == []
    assert "lesson_writer" not in plain.usage["by_role"]

    fixed, _ = solve_with_lessons(store, first_try_right=False)  # fails, reflects, repairs, passes
    assert fixed.verdict == "passed"
    (lesson,) = lessons.all()
    assert (lesson.text, lesson.run_id, lesson.retrieved) == (LESSON, fixed.run_id, 0)
    (event,) = [e.payload for e in store.events(fixed.run_id) if e.kind == "lessons"]
    assert event["admitted"] == {"id": lesson.id, "text": LESSON}

    _, backend = solve_with_lessons(store, first_try_right=True, lessons=False)  # the default: off
    assert "Lessons from earlier tasks" not in coder_prompts(backend)[0]
    assert lessons.get(lesson.id).retrieved == 0

    later, backend = solve_with_lessons(store, first_try_right=True)
    assert later.verdict == "passed"
    assert f"Lessons from earlier tasks:\n- {LESSON}" in coder_prompts(backend)[0]
    used = lessons.get(lesson.id)
    assert (used.retrieved, used.used, used.helped, used.pass_rate) == (1, 1, 1, 1.0)
    assert len(lessons.all()) == 1


def test_a_retrieved_lesson_reaches_the_test_designer_too() -> None:
    store = RunStore(":memory:")
    Lessons(store).add(LESSON, "merge intervals", "r1")
    backend = ScriptedBackend(team_script)
    model = Model(backend)
    config = TeamConfig(workflow="sop", settings={"lessons": True})
    solve(demo_task(), config, store=store, sandbox=open_sandbox(), models=lambda role: model)
    designer = [r.messages[-1].content for r in backend.requests if "tester" in r.messages[0].content]
    assert designer and f"Lessons from earlier tasks:\n- {LESSON}" in designer[0]


def test_the_lessons_cli_lists_shows_and_forgets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "runs.db")
    lesson_id = Lessons(RunStore(db)).add(LESSON, "merge intervals", "r1")
    assert main(["lessons", "list", "--store", db, "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["text"] == LESSON and listed["pass_rate"] is None and listed["retired"] is None
    assert main(["lessons", "show", str(lesson_id), "--store", db]) == 0
    assert "Sort intervals" in capsys.readouterr().out
    assert main(["lessons", "forget", str(lesson_id), "--store", db]) == 0
    assert main(["lessons", "forget", str(lesson_id), "--store", db]) != 0
    assert f"no lesson {lesson_id}" in capsys.readouterr().err
    assert Lessons(RunStore(db)).all() == []
