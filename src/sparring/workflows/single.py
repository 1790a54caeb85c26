"""``single``: one coder call, its visible examples run for evidence. The baseline for every benchmark."""

from __future__ import annotations

from sparring.graph import END, Graph
from sparring.workflows import steps
from sparring.workflows.state import FunctionState


def build(team: steps.Team) -> Graph[FunctionState]:
    return Graph(
        name="single",
        state=FunctionState,
        start="examples",
        nodes={
            "examples": steps.read_examples(),
            "code": steps.write_code(team, samples=1),
            "run": steps.run_tests,
        },
        edges={"examples": "code", "code": "run", "run": END},
        verdict=lambda s: s.passed,
    )
