"""``adversarial``: blue team against red team. The coder (blue) writes code until the spec's examples
and any designed tests pass; the red team then attacks it with executable asserts. Attacks that
contradict the spec's own examples are discarded by the referee; a confirmed break goes back to blue
with the failing input (and a reflection). The run ends when blue survives an attack round, or at
the round limit."""

from __future__ import annotations

from sparring.graph import END, Graph
from sparring.workflows import steps
from sparring.workflows.state import FunctionState


def build(team: steps.Team) -> Graph[FunctionState]:
    def after_run(s: FunctionState) -> tuple[str, str]:
        if s.passed:
            return "attack", "tests pass; to the red team"
        if s.round + 1 >= team.max_rounds:
            return END, f"still failing after {team.max_rounds} rounds"
        return "reflect", "tests fail"

    def after_attack(s: FunctionState) -> tuple[str, str]:
        if s.accepted:
            return END, "no valid attack breaks the code"
        if s.round + 1 >= team.max_rounds:
            return END, "a red-team break stands at the round limit"
        return "reflect", "the red team broke the code"

    return Graph(
        name="adversarial",
        state=FunctionState,
        start="examples",
        nodes={
            "examples": steps.read_examples(),
            "design_tests": steps.design_tests(team),
            "code": steps.write_code(team),
            "run": steps.run_tests,
            "attack": steps.red_team(team),
            "reflect": steps.reflect(team),
        },
        edges={
            "examples": "design_tests" if team.test_count else "code",
            "design_tests": "code",
            "code": "run",
            "run": after_run,
            "attack": after_attack,
            "reflect": "code",
        },
        watch={"code": lambda s: s.code},
        rounds=lambda s: s.round,
        verdict=lambda s: s.passed and s.accepted,
    )
