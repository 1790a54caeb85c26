"""Deciding among agents' positions: behaviour clusters, votes, tie-breaks and recorded conflicts.

Every function here is pure. A ``Position`` is one agent's answer (a behaviour label: candidates
that act identically on every generated test share one), its stated confidence, its reasons and the
executed evidence for it. Votes:

- ``majority``: the label most agents hold;
- ``weighted``: argmax over labels L of Σ cᵢ·[aᵢ = L] (a confident minority can win);
- ``evidence_weighted``: the label whose code passes the larger share of the executed tests wins;
  stated confidence only orders labels with equal evidence (executed tests outweigh opinion);
- ``judged``: a judge (any function from labels to a label, e.g. an agent) picks.

A vote that ends in a tie names the tied labels; ``break_tie`` settles it by a judge or a seeded
random choice, or leaves it open so the workflow can debate once more.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from pydantic import BaseModel, Field

Method = Literal["majority", "weighted", "evidence", "judge"]
TieBreak = Literal["random", "judge", "debate"]
Judge = Callable[[Sequence["Position"]], str]


class Position(BaseModel):
    """One agent's current answer; ``answer`` is its behaviour label, ``disagree`` its stated objections."""

    agent: str
    answer: str = ""
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    reason: str = ""
    code: str = ""
    passed: int = 0  # executed tests with an expectation that passed
    judged: int = 0  # executed tests with an expectation
    changed: bool = True  # the behaviour differs from the agent's previous round
    agree: list[str] = Field(default_factory=list)
    disagree: list[str] = Field(default_factory=list)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.judged if self.judged else 0.0


@dataclass(frozen=True)
class Vote:
    """The outcome: ``winner`` is None only while a tie is left open for more debate."""

    method: str
    winner: str | None
    scores: dict[str, float]
    tied: tuple[str, ...] = ()
    tie_break: str | None = None
    evidence: dict[str, float] = field(default_factory=dict)


class Conflict(BaseModel):
    """A disagreement that survived to the vote: the winning and a losing side, with their reasons."""

    winner: str
    loser: str
    winning: list[Position]
    losing: list[Position]


def behaviour_label(behaviour: Iterable[str]) -> str:
    """A short stable name for a behaviour signature (equal behaviours, equal labels, every round)."""
    return "b" + hashlib.sha1("\x1f".join(behaviour).encode()).hexdigest()[:8]


def majority(positions: Sequence[Position]) -> Vote:
    return _decide("majority", _sums(positions, lambda p: 1.0))


def weighted(positions: Sequence[Position]) -> Vote:
    return _decide("weighted", _sums(positions, lambda p: p.confidence))


def evidence_weighted(positions: Sequence[Position]) -> Vote:
    """Labels ranked by executed pass rate first, then by summed confidence."""
    rates = {p.answer: _rate(positions, p.answer) for p in positions}
    sums = _sums(positions, lambda p: p.confidence)
    best = max(rates.values(), default=0.0)
    leading = {label: s for label, s in sums.items() if rates[label] == best}
    vote = _decide("evidence", leading)
    return replace(vote, scores=sums, evidence=rates)


def judged(positions: Sequence[Position], judge: Judge) -> Vote:
    """The judge picks a label; a pick that names no position's label falls back to the weighted vote."""
    labels = {p.answer for p in positions}
    pick = judge(positions)
    if pick in labels:
        return Vote("judge", pick, _sums(positions, lambda p: float(p.answer == pick)))
    return replace(weighted(positions), method="judge (fallback: weighted)")


def tally(positions: Sequence[Position], method: Method, judge: Judge | None = None) -> Vote:
    if not positions:
        raise ValueError("a vote needs at least one position")
    if method == "judge":
        if judge is None:
            raise ValueError("a judged vote needs a judge")
        return judged(positions, judge)
    return {"majority": majority, "weighted": weighted, "evidence": evidence_weighted}[method](positions)


def break_tie(
    vote: Vote, positions: Sequence[Position], how: TieBreak, *, seed: int = 0, judge: Judge | None = None
) -> Vote:
    """Settle a tie: ``judge`` asks the judge among the tied labels (seeded random if it names none),
    ``random`` picks with ``seed``, ``debate`` leaves the winner open."""
    if vote.winner is not None:
        return vote
    if how == "debate":
        return replace(vote, tie_break="debate")
    if how == "judge" and judge is not None:
        pick = judge([p for p in positions if p.answer in vote.tied])
        if pick in vote.tied:
            return replace(vote, winner=pick, tie_break="judge")
    pick = random.Random(seed).choice(sorted(vote.tied))
    return replace(vote, winner=pick, tie_break=f"random (seed {seed})")


def conflicts(positions: Sequence[Position], winner: str) -> list[Conflict]:
    """One conflict for each losing label that some agent still held at the vote."""
    winning = [p for p in positions if p.answer == winner]
    losers = sorted({p.answer for p in positions} - {winner})
    return [
        Conflict(
            winner=winner, loser=label, winning=winning, losing=[p for p in positions if p.answer == label]
        )
        for label in losers
    ]


def _sums(positions: Sequence[Position], weight: Callable[[Position], float]) -> dict[str, float]:
    sums: dict[str, float] = {}
    for p in positions:
        sums[p.answer] = round(sums.get(p.answer, 0.0) + weight(p), 9)
    return sums


def _rate(positions: Sequence[Position], label: str) -> float:
    return max((p.pass_rate for p in positions if p.answer == label), default=0.0)


def _decide(method: str, scores: dict[str, float]) -> Vote:
    top = max(scores.values())
    tied = tuple(sorted(label for label, s in scores.items() if s == top))
    return Vote(method, tied[0] if len(tied) == 1 else None, scores, tied if len(tied) > 1 else ())


__all__ = [
    "Conflict",
    "Method",
    "Position",
    "TieBreak",
    "Vote",
    "behaviour_label",
    "break_tie",
    "conflicts",
    "evidence_weighted",
    "judged",
    "majority",
    "tally",
    "weighted",
]
