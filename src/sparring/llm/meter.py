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


@dataclass(frozen=True)
class Reservation:
    """What one call holds while it is in flight: the call itself and bounds on its tokens and dollars."""

    tokens: int = 0
    dollars: float = 0.0


class Meter:
    """Thread-safe usage ledger. Cached replies count like fresh ones, so a rerun spends the same.

    Budgets are enforced before a call is sent, atomically: ``reserve`` claims the call and a bound on
    what it may spend, ``settle`` replaces the bound with the real usage (``release`` drops it when the
    call failed). Calls in flight count against the budget at their bound, so parallel callers cannot
    start more calls than ``max_calls`` allows, and a call that joins others in flight is refused
    unless its bound fits in what is left of the token (dollar) budget. A call with nothing else in
    flight starts while any budget is left, as a lone call always has: only its reply tells its size.
    """

    def __init__(self, budget: Budget | None = None) -> None:
        self.budget = budget or Budget()
        self._lock = threading.Lock()
        self._roles: dict[str, RoleUsage] = {}
        self.total = RoleUsage()
        self._in_flight = 0
        self._held = Reservation()

    def check(self) -> None:
        """Raise ``BudgetExceeded`` if a limit is already used up (counting calls in flight)."""
        with self._lock:
            self._refuse(Reservation())

    def reserve(self, tokens: int = 0, dollars: float = 0.0) -> Reservation:
        """Claim one call that may spend up to ``tokens`` and ``dollars``, or raise ``BudgetExceeded``."""
        claim = Reservation(tokens, dollars)
        with self._lock:
            self._refuse(claim)
            self._in_flight += 1
            self._held = Reservation(self._held.tokens + tokens, self._held.dollars + dollars)
        return claim

    def release(self, claim: Reservation) -> None:
        """A reserved call that spent nothing we can count (it failed): give its claim back."""
        with self._lock:
            self._unhold(claim)

    def settle(
        self,
        claim: Reservation,
        role: str,
        usage: Usage,
        *,
        seconds: float,
        dollars: float = 0.0,
        cached: bool,
    ) -> None:
        """A reserved call came back: record its real usage in place of its claim."""
        with self._lock:
            self._unhold(claim)
            self._add(role, usage, seconds=seconds, dollars=dollars, cached=cached)

    def add(self, role: str, usage: Usage, *, seconds: float, dollars: float = 0.0, cached: bool) -> None:
        """Record a call that was not reserved."""
        with self._lock:
            self._add(role, usage, seconds=seconds, dollars=dollars, cached=cached)

    def _refuse(self, claim: Reservation) -> None:
        b, t, held = self.budget, self.total, self._held
        alone = self._in_flight == 0
        if b.max_calls is not None and t.calls + self._in_flight >= b.max_calls:
            raise BudgetExceeded(
                f"call budget of {b.max_calls} used up ({self._in_flight} in flight)", reason="budget:calls"
            )
        if b.max_tokens is not None:
            used = t.tokens + held.tokens
            if used >= b.max_tokens or (not alone and used + claim.tokens > b.max_tokens):
                raise BudgetExceeded(
                    f"token budget of {b.max_tokens} used up ({t.tokens} spent, {held.tokens} held by"
                    f" calls in flight, this call may take {claim.tokens})",
                    reason="budget:tokens",
                )
        if b.max_dollars is not None:
            used_d = t.dollars + held.dollars
            if used_d >= b.max_dollars or (not alone and used_d + claim.dollars > b.max_dollars):
                raise BudgetExceeded(f"dollar budget of {b.max_dollars} used up", reason="budget:dollars")

    def _unhold(self, claim: Reservation) -> None:
        self._in_flight -= 1
        self._held = Reservation(self._held.tokens - claim.tokens, self._held.dollars - claim.dollars)

    def _add(self, role: str, usage: Usage, *, seconds: float, dollars: float, cached: bool) -> None:
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
