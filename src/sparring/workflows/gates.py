"""Approval gates of the function-task workflows: a person checks the plan or the designed tests.

``sparring solve --approve tests`` stops after the test designer: the tests are shown as assert
lines; approving them as they stand, or editing them, makes them **trusted** (origin ``person``),
as binding as the spec's own examples, so failing them drives repair. ``--approve plan`` stops after
the planner; an edited plan replaces it. Lines starting with ``#`` are notes and are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sparring.errors import GateError
from sparring.evidence import Case, cases_from_asserts
from sparring.graph import Gate, Graph
from sparring.workflows.state import FunctionState
from sparring.workflows.steps import Team

PERSON = "person"  # the origin of tests a person approved or wrote: trusted like the spec's examples


def _text(content: str) -> str:
    """The person's text without note lines."""
    return "\n".join(line for line in content.splitlines() if not line.lstrip().startswith("#")).strip()


def show_tests(s: FunctionState) -> str:
    lines = [
        f"# Tests for {s.task.entry_point}, designed from the spec alone (no code seen).",
        "# Approve: they become trusted, like the spec's own examples. Edit: change, add or delete",
        "# `assert call == expected` lines. Lines starting with # are ignored.",
        *(c.as_assert() for c in s.tests),
    ]
    lines += [f"# dropped ({d.reason}): {d.test}" for d in s.dropped_tests]
    return "\n".join(lines) + "\n"


def edit_tests(s: FunctionState, content: str) -> Mapping[str, Any]:
    """The asserts the person left or wrote; a line that is not one is refused, naming it."""
    cases: list[Case] = []
    for line in _text(content).splitlines():
        if not line.strip():
            continue
        found = cases_from_asserts(line.strip(), s.task.entry_point, origin=PERSON)
        if not found:
            raise GateError(
                f"not a test sparring can run: {line.strip()[:80]!r} "
                f"(write `assert {s.task.entry_point}(...) == expected`, one a line)"
            )
        for case in found:
            same = next((k for k in cases if k.call == case.call), None)
            if same is not None and same.expected != case.expected:
                raise GateError(f"two expectations for {case.call}: {same.expected} and {case.expected}")
            if same is None:
                cases.append(case)
    return {"tests": cases}


def approve_tests(s: FunctionState) -> Mapping[str, Any]:
    return {"tests": [c.model_copy(update={"origin": PERSON}) for c in s.tests]}


def show_plan(s: FunctionState) -> str:
    head = "# The planner's decomposition, read by the test designer and the coder. # lines are ignored."
    return f"{head}\n{s.plan or '(no plan)'}\n"


def edit_plan(s: FunctionState, content: str) -> Mapping[str, Any]:
    text = _text(content)
    return {"plan": "" if text == "(no plan)" else text}


GATES: dict[str, Gate[FunctionState]] = {
    "plan": Gate("plan", show_plan, edit_plan),
    "tests": Gate("tests", show_tests, edit_tests, approve_tests),
}


def gates_for(graph: Graph[FunctionState], team: Team) -> dict[str, Gate[FunctionState]]:
    """The gates (keyed by the node they follow) this team's graph can stop at: the plan where it
    plans, the tests where it designs any."""
    gates: dict[str, Gate[FunctionState]] = {}
    if team.plan and "plan" in graph.nodes:
        gates["plan"] = GATES["plan"]
    if team.test_count and "design_tests" in graph.nodes:
        gates["design_tests"] = GATES["tests"]
    return gates
