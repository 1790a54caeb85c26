"""A review as Markdown (for a pull-request comment), JSON, or SARIF 2.1.0 (for code scanning)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from sparring import __version__
from sparring.review.findings import Finding, Review

_LEVEL = {"high": "error", "medium": "warning", "low": "note"}
_RULES = {
    "correctness": "The change computes a wrong result or crashes.",
    "security": "The change opens a security hole.",
    "performance": "The change is needlessly slow or wasteful.",
    "maintainability": "The change is hard to read, change or extend.",
    "tests": "The change lacks tests, or weakens them.",
}


def to_markdown(review: Review) -> str:
    lines = [f"## sparring review of {review.source}", ""]
    if not review.findings:
        lines.append("No findings.")
    for f in review.findings:
        flags = [f"{f.severity}", f.category, f"confidence {f.confidence:.2f}"]
        if f.contested:
            flags.append("**contested**")
        if f.unsure:
            flags.append("not sure")
        if f.demonstrated:
            flags.append("demonstrated by a failing test")
        where = f"{f.file}:{f.line}" if f.line >= 1 else f.file  # line < 1: the file as a whole
        lines.append(f"- **{where}** ({', '.join(flags)}): {f.message}")
        if f.suggested_fix:
            lines.append(f"  - suggested fix: {f.suggested_fix}")
        if f.votes:
            lines.append("  - votes: " + ", ".join(f"{k} {v}" for k, v in sorted(f.votes.items())))
        if f.test:
            lines += ["", "  ```python", *[f"  {ln}" for ln in f.test.splitlines()], "  ```"]
    for note in review.notes:
        lines.append(f"\n_{note}_")
    return "\n".join(lines) + "\n"


def to_json(review: Review) -> str:
    return json.dumps(review.model_dump(mode="json"), ensure_ascii=False, indent=2)


def to_sarif(review: Review) -> dict[str, Any]:
    """A SARIF 2.1.0 log: one run, one rule per category, one result per finding.

    It validates against the OASIS schema (tests/review/data): artifact URIs are percent-encoded
    (a path with a space or a non-ASCII letter is not a URI reference as it stands), and a finding
    without a line (line < 1) is located at its file alone rather than at a made-up line 1."""
    rules = [{"id": k, "shortDescription": {"text": v}} for k, v in _RULES.items()]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "sparring", "version": __version__, "rules": rules}},
                "results": [_sarif_result(f) for f in review.findings],
            }
        ],
    }


def _sarif_result(f: Finding) -> dict[str, Any]:
    text = f.message or _RULES[f.category]  # SARIF wants a non-empty message
    if f.suggested_fix:
        text += f" Suggested fix: {f.suggested_fix}"
    location: dict[str, Any] = {"artifactLocation": {"uri": quote(f.file), "uriBaseId": "SRCROOT"}}
    if f.line >= 1:
        location["region"] = {"startLine": f.line}
    properties: dict[str, Any] = {
        "severity": f.severity,
        "confidence": f.confidence,
        "contested": f.contested,
        "unsure": f.unsure,
        "votes": f.votes,
        "demonstrated": f.demonstrated,
        "suggestedFix": f.suggested_fix,
    }
    if f.test:
        properties["failingTest"] = f.test
    return {
        "ruleId": f.category,
        "ruleIndex": list(_RULES).index(f.category),
        "level": _LEVEL[f.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": location}],
        "properties": properties,
    }


def render(review: Review, fmt: str) -> str:
    if fmt == "markdown":
        return to_markdown(review)
    if fmt == "json":
        return to_json(review)
    return json.dumps(to_sarif(review), indent=2)
