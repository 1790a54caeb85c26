"""JUnit XML parsing, including reports forged or broken by the code under test."""

from __future__ import annotations

import pytest

from sparring.tools.junit import JUnitError, excerpt, parse_junit

REPORT = b"""<?xml version="1.0" encoding="utf-8"?><testsuites>
<testsuite name="pytest" errors="1" failures="1" skipped="1" tests="4">
<testcase classname="test_a" name="test_ok" time="0.001"/>
<testcase classname="test_a" name="test_bad[1]" time="0.002"><failure message="assert 1 == 2">def test_bad():
&gt;       assert 1 == 2
E       assert 1 == 2</failure></testcase>
<testcase classname="test_a" name="test_fixture" time="0">
<error message="fixture 'db' not found">setup</error></testcase>
<testcase classname="test_a" name="test_skip" time="0">
<skipped message="later" type="pytest.skip">x</skipped></testcase>
</testsuite></testsuites>"""


def test_outcomes_messages_and_tracebacks() -> None:
    cases = parse_junit(REPORT)
    assert [(c.name, c.outcome) for c in cases] == [
        ("test_ok", "passed"),
        ("test_bad[1]", "failed"),
        ("test_fixture", "error"),
        ("test_skip", "skipped"),
    ]
    assert cases[1].message == "assert 1 == 2" and "E       assert 1 == 2" in cases[1].traceback
    assert cases[1].file == "test_a" and cases[1].duration == pytest.approx(0.002)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml",
        b"<html/>",
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa">]><testsuites>&a;</testsuites>',
    ],
)
def test_broken_or_hostile_reports_are_rejected(data: bytes) -> None:
    with pytest.raises(JUnitError):
        parse_junit(data)


def test_traceback_excerpt_keeps_the_end() -> None:
    text = "\n".join(f"line {i}" for i in range(100))
    kept = excerpt(text, lines=3)
    assert kept == "...\nline 97\nline 98\nline 99"
