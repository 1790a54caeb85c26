"""SARIF output validated against the official OASIS SARIF 2.1.0 JSON schema, for every kind of finding."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest

from sparring.review import Finding, Review, render, to_markdown, to_sarif
from tests.review.sarif_schema import SCHEMA, assert_valid_sarif, schema_errors

BASE = {"file": "pages/report.py", "line": 15, "severity": "high", "category": "correctness"}
KINDS: dict[str, dict[str, Any]] = {
    "with a line": {"message": "off by one", "suggested_fix": "drop the - 1", "confidence": 0.9},
    "without a line": {"line": 0, "severity": "low", "category": "maintainability", "message": "naming"},
    "contested": {
        "severity": "medium",
        "category": "performance",
        "message": "quadratic loop",
        "contested": True,
        "votes": {"code_reviewer": "agree", "finding_voter": "disagree"},
        "raised_by": ["code_reviewer"],
    },
    "with a failing test that failed": {
        "category": "tests",
        "message": "no test for two ranges",
        "test": "def test_two():\n    assert page_count('1, 4') == 2\n",
        "demonstrated": True,
    },
    "with a failing test that passed": {
        "category": "security",
        "message": "unchecked input",
        "test": "def test_ok():\n    assert True\n",
        "demonstrated": False,
    },
    "not sure": {"message": "maybe wrong", "unsure": True, "votes": {"red_team_reviewer": "unsure"}},
    "a path to percent-encode": {"file": "docs/my notes/größe.py", "message": "a space and umlauts"},
    "an empty message": {"message": "", "severity": "medium"},
}


def one(kind: str) -> Review:
    return Review(source="diff HEAD~1..HEAD", findings=[Finding(**(BASE | KINDS[kind]))])


def test_the_vendored_schema_is_the_official_oasis_one() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"] == (
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    digest = hashlib.sha256(SCHEMA.read_bytes()).hexdigest()
    assert digest == "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"  # see data/README.md


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_of_finding_is_valid_sarif(kind: str) -> None:
    review = one(kind)
    assert_valid_sarif(to_sarif(review))
    assert_valid_sarif(json.loads(render(review, "sarif")))  # what the CLI prints


def test_all_kinds_together_and_none_are_valid_sarif() -> None:
    everything = Review(source="x", findings=[f for kind in KINDS for f in one(kind).findings])
    log = to_sarif(everything)
    assert_valid_sarif(log)
    assert len(log["runs"][0]["results"]) == len(KINDS)
    assert_valid_sarif(to_sarif(Review(source="x")))


def test_what_each_kind_says_in_sarif() -> None:
    def result(kind: str) -> dict[str, Any]:
        r: dict[str, Any] = to_sarif(one(kind))["runs"][0]["results"][0]
        return r

    lined = result("with a line")
    assert lined["locations"][0]["physicalLocation"]["region"] == {"startLine": 15}
    assert lined["level"] == "error" and lined["message"]["text"] == "off by one Suggested fix: drop the - 1"
    rules = to_sarif(one("with a line"))["runs"][0]["tool"]["driver"]["rules"]
    assert rules[lined["ruleIndex"]]["id"] == lined["ruleId"] == "correctness"
    lineless = result("without a line")
    assert "region" not in lineless["locations"][0]["physicalLocation"] and lineless["level"] == "note"
    assert result("contested")["properties"]["contested"] is True
    assert result("contested")["properties"]["votes"]["finding_voter"] == "disagree"
    demo = result("with a failing test that failed")["properties"]
    assert demo["demonstrated"] is True and "page_count" in demo["failingTest"]
    assert result("with a failing test that passed")["properties"]["demonstrated"] is False
    assert result("not sure")["properties"]["unsure"] is True
    assert "failingTest" not in result("not sure")["properties"]
    uri = result("a path to percent-encode")["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "docs/my%20notes/gr%C3%B6%C3%9Fe.py"
    assert result("an empty message")["message"]["text"]  # SARIF wants a non-empty text
    assert "**pages/report.py** (low" in to_markdown(one("without a line"))


@pytest.mark.parametrize(
    ("break_it", "where"),
    [
        (lambda log: log.pop("version"), ""),
        (lambda log: log["runs"][0]["results"][0].update(level="fatal"), "runs/0/results/0/level"),
        (lambda log: log["runs"][0]["tool"]["driver"].pop("name"), "runs/0/tool/driver"),
        (
            lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"].update(
                region={"startLine": 0}
            ),
            "runs/0/results/0/locations/0/physicalLocation/region/startLine",
        ),
        (
            lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"].update(
                artifactLocation={"uri": "a b.py"}
            ),
            "runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri",
        ),
    ],
)
def test_the_validator_rejects_what_the_schema_forbids(break_it: Any, where: str) -> None:
    """The validator bites: each broken copy of a valid log fails at the place that was broken."""
    log = copy.deepcopy(to_sarif(one("with a line")))
    break_it(log)
    assert any(e.split(":")[0] == where for e in schema_errors(log))
