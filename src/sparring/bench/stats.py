"""How sure a benchmark's numbers are: an interval for a pass rate, a paired test for two workflows.

Both are exact or standard and need nothing beyond the standard library:

- ``wilson(k, n)``: the Wilson score interval of a pass rate (95% by default), which stays inside
  0–100% and behaves at small n and near the ends, unlike the normal approximation;
- ``mcnemar_p(b, c)``: the exact two-sided McNemar test for two workflows run on the same tasks,
  from the tasks only the first passed (``b``) and only the second (``c``): under "neither is
  better" each such task is a fair coin, so p is the two-sided binomial tail. Tasks both pass or
  both fail say nothing about the difference and do not enter.
"""

from __future__ import annotations

from math import comb, sqrt


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of ``k`` passes in ``n`` tasks (z = 1.96: 95%)."""
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def mcnemar_p(b: int, c: int) -> float:
    """Exact two-sided McNemar p for ``b`` tasks won by one side and ``c`` by the other."""
    n = b + c
    if n == 0:
        return 1.0
    tail: float = sum(comb(n, i) for i in range(min(b, c) + 1)) / 2**n
    return min(1.0, 2 * tail)
