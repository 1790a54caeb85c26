"""Several choices of one prompt (``n``): one request where the backend samples them together, one
request per choice (seeds ``seed + i``) where it cannot; metered, cached and budgeted either way."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from sparring.llm import Budget, Completion, Meter, Model, ResponseCache, ScriptedBackend, Usage
from sparring.llm.types import Request


@dataclass
class ManyBackend:
    """A fake server that samples ``n`` choices of one prompt, at most ``most`` per request."""

    most: int = 8
    name: str = "many"
    supports_n: bool = True
    supports_prefill: bool = False
    requests: list[Request] = field(default_factory=list)

    def send(self, request: Request) -> Completion:
        self.requests.append(request)
        first = request.seed or 0
        texts = [f"choice {first + i}" for i in range(min(request.n, self.most))]
        return Completion(text=texts[0], usage=Usage(100, 5 * len(texts)), more=tuple(texts[1:]))


def test_a_backend_that_samples_several_choices_is_asked_once_and_bills_the_prompt_once() -> None:
    backend, meter = ManyBackend(), Meter()
    reply = Model(backend, meter=meter).complete("write it", temperature=0.8, seed=10, n=4)
    assert reply.choices == ("choice 10", "choice 11", "choice 12", "choice 13") and reply.text == "choice 10"
    assert len(backend.requests) == 1 and backend.requests[0].n == 4
    assert meter.total.calls == 1 and reply.requests == 1
    assert reply.usage == Usage(100, 20)


def test_the_scripted_fake_can_answer_several_choices_in_one_request() -> None:
    backend = ScriptedBackend(lambda r: f"seed {r.seed}", supports_n=True)
    reply = Model(backend).complete("write it", temperature=0.8, seed=5, n=3)
    assert reply.choices == ("seed 5", "seed 6", "seed 7") and reply.requests == 1
    assert len(backend.requests) == 1 and reply.usage.prompt_tokens == backend_prompt(backend)


def backend_prompt(backend: ScriptedBackend) -> int:
    return sum(max(1, len(m.content) // 4) for m in backend.requests[0].messages)


def test_a_server_that_returns_fewer_choices_is_topped_up_with_the_next_seeds() -> None:
    backend, meter = ManyBackend(most=1), Meter()  # e.g. a server that ignores n
    reply = Model(backend, meter=meter).complete("write it", temperature=0.8, seed=10, n=3)
    assert reply.choices == ("choice 10", "choice 11", "choice 12")
    assert [r.seed for r in backend.requests] == [10, 11, 12] and meter.total.calls == 3
    assert reply.requests == 3 and reply.usage == Usage(300, 15)


def test_a_backend_without_choices_answers_each_alone_with_consecutive_seeds() -> None:
    backend = ScriptedBackend(lambda r: f"seed {r.seed}")
    meter = Meter()
    reply = Model(backend, meter=meter).complete("write it", temperature=0.8, seed=5, n=3)
    assert reply.choices == ("seed 5", "seed 6", "seed 7")
    assert [r.n for r in backend.requests] == [1, 1, 1] and meter.total.calls == 3 and reply.requests == 3


def test_choices_already_paid_for_come_back_when_the_budget_runs_out_between_them() -> None:
    backend = ScriptedBackend(lambda r: f"seed {r.seed}")
    meter = Meter(Budget(max_calls=2))
    reply = Model(backend, meter=meter).complete("write it", temperature=0.8, seed=0, n=4)
    assert reply.choices == ("seed 0", "seed 1") and meter.total.calls == 2


def test_every_choice_continues_the_prefilled_start() -> None:
    backend = ScriptedBackend(lambda r: f" body {r.seed}", supports_prefill=True)
    messages = [{"role": "user", "content": "go"}, {"role": "assistant", "content": "def f():"}]
    reply = Model(backend).complete(messages, temperature=0.8, seed=1, n=2)
    assert reply.choices == ("def f(): body 1", "def f(): body 2")


def test_several_choices_are_cached_together() -> None:
    cache = ResponseCache(":memory:")
    backend = ManyBackend()
    first = Model(backend, cache=cache).complete("write it", temperature=0.8, seed=3, n=3)
    again = Model(backend, cache=cache).complete("write it", temperature=0.8, seed=3, n=3)
    assert again.cached and again.choices == first.choices and len(backend.requests) == 1


def test_several_choices_are_for_free_text_only() -> None:
    from pydantic import BaseModel

    class Answer(BaseModel):
        ok: bool

    with pytest.raises(ValueError, match="free-text"):
        Model(ManyBackend()).complete("judge", schema=Answer, n=2)


def test_a_cache_from_before_choices_is_upgraded_in_place(tmp_path: object) -> None:
    import sqlite3
    from pathlib import Path

    path = Path(str(tmp_path)) / "old.db"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE responses (key TEXT PRIMARY KEY, model TEXT NOT NULL, text TEXT NOT NULL,"
        " finish_reason TEXT NOT NULL, prompt_tokens INTEGER NOT NULL,"
        " completion_tokens INTEGER NOT NULL, created REAL NOT NULL)"
    )
    db.commit()
    db.close()
    backend = ManyBackend()
    Model(backend, cache=ResponseCache(path)).complete("write it", temperature=0.8, seed=3, n=2)
    again = Model(backend, cache=ResponseCache(path)).complete("write it", temperature=0.8, seed=3, n=2)
    assert again.cached and again.choices == ("choice 3", "choice 4")
