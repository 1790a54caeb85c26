"""``reflexion``: code → run the visible tests → on failure a verbal reflection (episodic memory) →
retry with the reflections and the failing evidence in context; capped rounds."""

from __future__ import annotations

from sparring.graph import END, Graph
from sparring.workflows import steps
from sparring.workflows.state import FunctionState


def build(team: steps.Team) -> Graph[FunctionState]:
    def after_run(s: FunctionState) -> tuple[str, str]:
        if s.passed:
            return END, "visible tests pass"
        if s.round + 1 >= team.max_rounds:
            return END, f"still failing after {team.max_rounds} rounds"
        return "reflect", "visible tests fail"

    return Graph(
        name="reflexion",
        state=FunctionState,
        start="examples",
        nodes={
            "examples": steps.read_examples(),
            "code": steps.write_code(team),
            "run": steps.run_tests,
            "reflect": steps.reflect(team),
        },
        edges={"examples": "code", "code": "run", "run": after_run, "reflect": "code"},
        watch={"code": lambda s: s.code},
        rounds=lambda s: s.round,
        verdict=lambda s: s.passed,
    )
