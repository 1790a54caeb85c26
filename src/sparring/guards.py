"""Guards: the caps every run loop has, and the named reason each one stops a run with.

A ``Guards`` object is consulted by the graph runner after every node. It knows nothing about
workflows: the runner feeds it the step count, the round number, the active time spent, and the
outputs of the nodes a graph asks it to watch (typically the coder's code). Its memory of those
outputs is small, JSON-serialisable and saved in every checkpoint, so a resumed run keeps it.

Stop reasons (the run's result carries them as ``stopped:<reason>``):

    max_steps     the runner executed ``Limits.max_steps`` nodes
    max_rounds    the workflow's round counter went past ``Limits.max_rounds``
    wall_clock    the run was active for ``Limits.wall_clock_s`` seconds
    no_progress   a watched output came out identical ``Limits.no_progress_after`` times in a row
    oscillation   a watched output returned to an earlier value (A → B → A)
    cancelled     someone set the run's cancellation event
    budget:*      the model layer raised ``BudgetExceeded`` (``budget:tokens``, ``budget:calls``, ...)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Limits:
    """The thresholds of every guard; ``None`` or ``0`` turns a guard off (``max_steps`` always applies)."""

    max_steps: int = 100
    max_rounds: int | None = None
    wall_clock_s: float | None = None
    no_progress_after: int = 2
    oscillation_window: int = 4

    def as_dict(self) -> dict[str, Any]:
        return {
            "max_steps": self.max_steps,
            "max_rounds": self.max_rounds,
            "wall_clock_s": self.wall_clock_s,
            "no_progress_after": self.no_progress_after,
            "oscillation_window": self.oscillation_window,
        }


@dataclass(frozen=True)
class Stop:
    """Why a run stopped: a short machine name (``oscillation``) and a sentence for people."""

    reason: str
    detail: str

    @property
    def label(self) -> str:
        """The name recorded in events and results, e.g. ``stopped:oscillation``."""
        return f"stopped:{self.reason}"


def normalize(text: str) -> str:
    """Whitespace-insensitive form of an output, so reformatting alone is not progress."""
    return " ".join(text.split())


def fingerprint(text: str) -> str:
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()[:16]


@dataclass
class Guards:
    """Stateful checks over one run; ``memory`` holds recent output fingerprints per watched channel."""

    limits: Limits = field(default_factory=Limits)
    memory: dict[str, list[str]] = field(default_factory=dict)

    def check(self, *, steps: int, rounds: int | None, elapsed: float) -> Stop | None:
        """The counters: steps executed, the workflow's round number, active seconds so far."""
        lim = self.limits
        if steps >= lim.max_steps:
            return Stop("max_steps", f"executed {steps} nodes (limit {lim.max_steps})")
        if lim.max_rounds is not None and rounds is not None and rounds > lim.max_rounds:
            return Stop("max_rounds", f"round {rounds} is past the limit of {lim.max_rounds}")
        if lim.wall_clock_s is not None and elapsed >= lim.wall_clock_s:
            return Stop("wall_clock", f"active for {elapsed:.1f}s (limit {lim.wall_clock_s}s)")
        return None

    def observe(self, channel: str, output: str) -> Stop | None:
        """Remember one output of a watched channel; stop on repetition or an A → B → A cycle."""
        lim = self.limits
        history = self.memory.setdefault(channel, [])
        current = fingerprint(output)
        repeats = 1
        for earlier in reversed(history):
            if earlier != current:
                break
            repeats += 1
        window = history[-lim.oscillation_window :] if lim.oscillation_window > 0 else []
        history.append(current)
        del history[: -max(lim.oscillation_window, lim.no_progress_after, 1)]
        if lim.no_progress_after > 0 and repeats >= lim.no_progress_after:
            return Stop("no_progress", f"{channel}: the same output {repeats} times in a row")
        if repeats == 1 and current in window:
            back = len(window) - window.index(current)
            return Stop("oscillation", f"{channel}: returned to the output of {back} revisions ago")
        return None
