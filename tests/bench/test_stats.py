"""Intervals and paired tests beside the scores, checked against published values."""

from __future__ import annotations

import pytest

from sparring.bench.stats import mcnemar_p, wilson


def test_wilson_interval_matches_the_textbook_values() -> None:
    lo, hi = wilson(131, 164)  # statsmodels proportion_confint(131, 164, method="wilson")
    assert (round(lo, 4), round(hi, 4)) == (0.7309, 0.8530)
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0  # stays inside 0–100%
    assert wilson(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("b", "c", "p"),
    [
        (9, 5, 0.4240),  # binom.test(5, 14): he164's sop against sample@12 is not a significant lead
        (5, 0, 0.0625),  # 2 / 2**5
        (27, 3, 0.0000084),
        (4, 4, 1.0),
        (0, 0, 1.0),
    ],
)
def test_exact_mcnemar_is_the_two_sided_binomial_tail(b: int, c: int, p: float) -> None:
    assert mcnemar_p(b, c) == pytest.approx(p, rel=1e-2, abs=1e-6)
    assert mcnemar_p(c, b) == mcnemar_p(b, c)
