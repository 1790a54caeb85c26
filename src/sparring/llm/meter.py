"""Usage accounting per run and per role, and the budgets that stop a run with a named reason."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sparring.errors import BudgetExceeded
from sparring.llm.types import Usage


@dataclass(frozen=True)
class Budget:
    """Limits for one run; ``None`` means unlimited."""

    max_tokens: int | None = None
    max_calls: int | None = None
    max_dollars: float | None = None


@dataclass
class RoleUsage:
    """What one role (or the whole run) spent."""

    calls: int = 0
    usage: Usage = field(default_factory=Usage)
    seconds: float = 0.0
    dollars: float = 0.0
    cached_calls: int = 0

    @property
    def tokens(self) -> int:
        return self.usage.total_tokens

    def as_dict(self) -> dict[str, float | int]:
        return {
            "calls": self.calls,
            "tokens": self.tokens,
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "seconds": round(self.seconds, 3),
            "dollars": round(self.dollars, 6),
            "cached_calls": self.cached_calls,
        }


class Meter:
    """Thread-safe usage ledger. Cached replies count like fresh ones, so a rerun spends the same."""

    def __init__(self, budget: Budget | None = None) -> None:
        self.budget = budget or Budget()
        self._lock = threading.Lock()
        self._roles: dict[str, RoleUsage] = {}
        self.total = RoleUsage()

    def check(self) -> None:
        """Raise ``BudgetExceeded`` if a limit is already used up; called before every model call."""
        b, t = self.budget, self.total
        if b.max_calls is not None and t.calls >= b.max_calls:
            raise BudgetExceeded(f"call budget of {b.max_calls} used up", reason="budget:calls")
        if b.max_tokens is not None and t.tokens >= b.max_tokens:
            raise BudgetExceeded(f"token budget of {b.max_tokens} used up", reason="budget:tokens")
        if b.max_dollars is not None and t.dollars >= b.max_dollars:
            raise BudgetExceeded(f"dollar budget of {b.max_dollars} used up", reason="budget:dollars")

    def add(self, role: str, usage: Usage, *, seconds: float, dollars: float = 0.0, cached: bool) -> None:
        with self._lock:
            for bucket in (self._roles.setdefault(role, RoleUsage()), self.total):
                bucket.calls += 1
                bucket.usage = bucket.usage + usage
                bucket.seconds += seconds
                bucket.dollars += dollars
                bucket.cached_calls += int(cached)

    def by_role(self) -> dict[str, RoleUsage]:
        with self._lock:
            return dict(self._roles)

    def summary(self) -> dict[str, object]:
        return {
            **self.total.as_dict(),
            "by_role": {role: u.as_dict() for role, u in sorted(self.by_role().items())},
        }
