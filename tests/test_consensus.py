"""Votes, tie-breaks and conflicts: pure functions over positions."""

from __future__ import annotations

import pytest

from sparring.consensus import (
    Position,
    behaviour_label,
    break_tie,
    conflicts,
    evidence_weighted,
    majority,
    tally,
    weighted,
)


def pos(agent: str, answer: str, confidence: float, passed: int = 0, judged: int = 0) -> Position:
    return Position(agent=agent, answer=answer, confidence=confidence, passed=passed, judged=judged)


def test_a_confident_minority_wins_the_weighted_vote_but_not_the_majority() -> None:
    positions = [pos("a", "A", 0.3), pos("b", "A", 0.3), pos("c", "B", 0.9)]
    assert majority(positions).winner == "A"
    vote = weighted(positions)
    assert vote.winner == "B" and vote.scores == {"A": 0.6, "B": 0.9}


def test_executed_evidence_overrules_stated_confidence() -> None:
    # the confident pair fails a test the hesitant agent's code passes
    positions = [pos("a", "A", 0.95, 5, 6), pos("b", "A", 0.9, 5, 6), pos("c", "B", 0.2, 6, 6)]
    assert weighted(positions).winner == "A"
    vote = evidence_weighted(positions)
    assert vote.winner == "B" and vote.evidence == {"A": 5 / 6, "B": 1.0}


def test_confidence_orders_labels_with_equal_evidence() -> None:
    positions = [pos("a", "A", 0.4, 6, 6), pos("b", "B", 0.8, 6, 6), pos("c", "C", 0.99, 2, 6)]
    assert evidence_weighted(positions).winner == "B"


def test_a_tie_is_named_and_broken_by_seeded_random_judge_or_left_for_debate() -> None:
    positions = [pos("a", "A", 0.5), pos("b", "B", 0.5)]
    vote = weighted(positions)
    assert vote.winner is None and vote.tied == ("A", "B")
    first = break_tie(vote, positions, "random", seed=7)
    assert first.winner in ("A", "B") and break_tie(vote, positions, "random", seed=7) == first
    assert break_tie(vote, positions, "judge", judge=lambda ps: "B").winner == "B"
    # a judge that names no tied label falls back to the seeded choice, never crashes
    assert break_tie(vote, positions, "judge", seed=7, judge=lambda ps: "Z").winner == first.winner
    assert break_tie(vote, positions, "debate").winner is None


def test_a_judge_vote_falls_back_to_weighted_when_the_pick_is_not_a_label() -> None:
    positions = [pos("a", "A", 0.3), pos("b", "B", 0.9)]
    assert tally(positions, "judge", lambda ps: "A").winner == "A"
    fallback = tally(positions, "judge", lambda ps: "nonsense")
    assert fallback.winner == "B" and "fallback" in fallback.method
    with pytest.raises(ValueError):
        tally([], "majority")


def test_every_surviving_disagreement_is_a_conflict_with_both_sides() -> None:
    positions = [pos("a", "A", 0.5), pos("b", "B", 0.5), pos("c", "C", 0.5), pos("d", "A", 0.5)]
    found = conflicts(positions, "A")
    assert [(c.loser, [p.agent for p in c.losing]) for c in found] == [("B", ["b"]), ("C", ["c"])]
    assert all([p.agent for p in c.winning] == ["a", "d"] for c in found)
    assert conflicts(positions[:1], "A") == []


def test_behaviour_labels_are_stable_and_distinguish_behaviours() -> None:
    assert behaviour_label(["[1]", "!ValueError"]) == behaviour_label(["[1]", "!ValueError"])
    assert behaviour_label(["[1]", "2"]) != behaviour_label(["[1]2"])
