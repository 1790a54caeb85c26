"""Parse pytest's JUnit XML into ``TestCase`` records (the report is written by untrusted code: be strict)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sparring.tools.types import Outcome, TestCase

TRACEBACK_LINES = 30
MESSAGE_CHARS = 2000


class JUnitError(ValueError):
    """The report is missing or not a pytest JUnit XML document."""


def excerpt(text: str, lines: int = TRACEBACK_LINES) -> str:
    """The last ``lines`` lines of a traceback, where the failing assertion is."""
    kept = text.strip().splitlines()
    if len(kept) <= lines:
        return "\n".join(kept)
    return "\n".join(["...", *kept[-lines:]])


def parse_junit(data: bytes) -> list[TestCase]:
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise JUnitError("report contains a DTD or entities")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise JUnitError(f"report is not XML: {exc}") from exc
    if root.tag not in ("testsuites", "testsuite"):
        raise JUnitError(f"unexpected root element {root.tag!r}")
    return [_case(el) for el in root.iter("testcase")]


def _case(el: ET.Element) -> TestCase:
    outcome: Outcome = "passed"
    message = traceback = ""
    for child in el:
        if child.tag in ("failure", "error", "skipped"):
            outcome = "failed" if child.tag == "failure" else child.tag  # type: ignore[assignment]
            message = (child.get("message") or "")[:MESSAGE_CHARS]
            traceback = excerpt(child.text or "")
            if outcome != "skipped":
                break
    try:
        duration = float(el.get("time") or 0.0)
    except ValueError:
        duration = 0.0
    return TestCase(
        name=el.get("name", ""),
        outcome=outcome,
        file=el.get("classname", ""),
        message=message,
        traceback=traceback,
        duration=duration,
    )
