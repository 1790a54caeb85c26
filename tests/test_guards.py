"""Guards in isolation: each threshold, and the named reason it stops with."""

from __future__ import annotations

from sparring.guards import Guards, Limits, Stop, normalize


def test_counters_within_limits_do_not_stop() -> None:
    guards = Guards(Limits(max_steps=10, max_rounds=3, wall_clock_s=60))
    assert guards.check(steps=9, rounds=3, elapsed=59.9) is None


def test_each_counter_stops_with_its_reason() -> None:
    guards = Guards(Limits(max_steps=10, max_rounds=3, wall_clock_s=60))
    assert _reason(guards.check(steps=10, rounds=1, elapsed=0)) == "stopped:max_steps"
    assert _reason(guards.check(steps=1, rounds=4, elapsed=0)) == "stopped:max_rounds"
    assert _reason(guards.check(steps=1, rounds=1, elapsed=60)) == "stopped:wall_clock"


def test_optional_counters_off_by_default() -> None:
    assert Guards().check(steps=1, rounds=10_000, elapsed=1e9) is None


def test_identical_revision_is_no_progress() -> None:
    guards = Guards()
    assert guards.observe("code", "def f():\n    return 1") is None
    assert _reason(guards.observe("code", "def f():   return 1\n")) == "stopped:no_progress"


def test_no_progress_threshold_is_configurable() -> None:
    guards = Guards(Limits(no_progress_after=3))
    assert guards.observe("code", "x") is None
    assert guards.observe("code", "x") is None
    assert _reason(guards.observe("code", "x")) == "stopped:no_progress"


def test_return_to_an_earlier_output_is_oscillation() -> None:
    guards = Guards()
    assert guards.observe("code", "A") is None
    assert guards.observe("code", "B") is None
    stop = guards.observe("code", "  A ")
    assert _reason(stop) == "stopped:oscillation"
    assert stop is not None and "2 revisions ago" in stop.detail


def test_oscillation_only_within_the_window() -> None:
    guards = Guards(Limits(oscillation_window=2))
    for text in ["A", "B", "C"]:
        assert guards.observe("code", text) is None
    assert guards.observe("code", "A") is None  # three back: outside a window of two
    assert _reason(guards.observe("code", "C")) == "stopped:oscillation"


def test_channels_are_independent_and_guards_can_be_turned_off() -> None:
    guards = Guards(Limits(no_progress_after=0, oscillation_window=0))
    for text in ["A", "A", "B", "A"]:
        assert guards.observe("code", text) is None
    watched = Guards()
    assert watched.observe("code", "A") is None
    assert watched.observe("review", "A") is None


def test_memory_survives_a_json_round_trip() -> None:
    import json

    guards = Guards()
    guards.observe("code", "A")
    guards.observe("code", "B")
    restored = Guards(Limits(), json.loads(json.dumps(guards.memory)))
    assert _reason(restored.observe("code", "A")) == "stopped:oscillation"


def test_normalize_ignores_whitespace_only() -> None:
    assert normalize(" a\n\tb  c ") == "a b c"
    assert normalize("ab") != normalize("a b")


def _reason(stop: Stop | None) -> str | None:
    return stop.label if stop is not None else None
