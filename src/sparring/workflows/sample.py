"""``sample@k``: k coder samples, keep the best by the spec's own examples. The equal-budget baseline:
a team that does not beat resampling at the same cost has not earned its complexity."""

from __future__ import annotations

from sparring.graph import END, Graph
from sparring.workflows import steps
from sparring.workflows.state import FunctionState


def build(team: steps.Team) -> Graph[FunctionState]:
    k = max(1, int(team.settings.get("k", team.samples)))
    return Graph(
        name=f"sample@{k}",
        state=FunctionState,
        start="examples",
        nodes={
            "examples": steps.read_examples(),
            "code": steps.write_code(team, samples=k),
            "run": steps.run_tests,
        },
        edges={"examples": "code", "code": "run", "run": END},
        verdict=lambda s: s.passed,
    )
