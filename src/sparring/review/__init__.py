"""Review mode: findings on a real change (a diff range or a patch) as Markdown, JSON or SARIF.

review = review_change(repo, diff_range="HEAD~1..HEAD", store=store, sandbox=sb, models=models)
render(review, "sarif"); review.fails_at("medium")
"""

from __future__ import annotations

from sparring.review.change import Change, added_lines, open_change
from sparring.review.findings import Category, Claim, Finding, Review, Severity
from sparring.review.formats import render, to_json, to_markdown, to_sarif
from sparring.review.workflow import review_change

__all__ = [
    "Category",
    "Change",
    "Claim",
    "Finding",
    "Review",
    "Severity",
    "added_lines",
    "open_change",
    "render",
    "review_change",
    "to_json",
    "to_markdown",
    "to_sarif",
]
