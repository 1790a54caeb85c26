"""``sop``: the hierarchical team. Plan → probe inputs mutated from the spec's examples → tests
designed and refereed against the spec → code (a few candidates; more only when they fail or
disagree) → run in the sandbox → select by evidence → review with evidence in hand → (with
``red_team``) refereed attacks; failures loop back with reflections until tests pass and the
reviewer (and red team) accept, or a guard stops it.

With ``design_tests = "disputed"`` (the default) the designer is called only when the first
candidates are in dispute: they fail the spec's examples or disagree. Designed tests only rank
candidates (their expectations are too often wrong to fail one), and where the first candidates
pass the examples and agree there is nothing to rank. The designer still writes from the spec
alone and never sees code. ``design_tests = "first"`` designs them before any code."""

from __future__ import annotations

from sparring.errors import ConfigError
from sparring.graph import END, Graph
from sparring.workflows import planning, steps
from sparring.workflows.state import FunctionState


def _trusted(s: FunctionState) -> bool:
    """Some test we trust ran: the spec's own examples, or a reviewer's or red team's confirmed attack."""
    return bool(s.examples) or any(c.origin != "generated" for c in s.tests)


def build(team: steps.Team) -> Graph[FunctionState]:
    widen = int(team.settings.get("widen", 0)) > 0
    if team.settings.get("design_tests", "first") not in ("first", "disputed"):
        raise ConfigError("sop: design_tests must be first or disputed")
    on_dispute = team.settings.get("design_tests") == "disputed"

    # Also widen when fewer than this share of the candidates behave like the chosen one: on 40 MBPP
    # tuning tasks (one example a prompt), 4 candidates widened to 12 below 75% agreement chose as
    # well as all 12 at 7.6 draws a task (benchmarks/results/README.md, mbpp-tune-wide).
    widen_below = float(team.settings.get("widen_below", 0.0))

    def after_run(s: FunctionState) -> tuple[str, str]:
        disputed = s.agreement < widen_below
        why = "candidates disagree" if s.passed else "no candidate passes the trusted tests"
        if on_dispute and s.round == 0 and not s.tests_designed and (not s.passed or disputed):
            return "design_tests", f"{why}; designing tests to rank them"
        if widen and s.round == 0 and not s.widened and (not s.passed or disputed):
            return "widen", f"{why}; drawing more candidates"
        if s.passed:
            if team.review:
                return "review", "tests pass; to review"
            return ("attack", "tests pass; to the red team") if team.red_team else (END, "tests pass")
        if not _trusted(s):
            # Designed tests alone carry wrong expectations too often to repair against: on the
            # embedded model, repair rounds driven by them never changed an outcome (docs/benchmarks.md).
            return END, "only designed tests fail; they rank the candidates but do not drive repairs"
        if s.round + 1 >= team.max_rounds:
            return END, f"still failing after {team.max_rounds} rounds"
        return "reflect", "tests fail"

    def after_review(s: FunctionState) -> tuple[str, str]:
        if s.accepted:
            return ("attack", "reviewer accepts; to red team") if team.red_team else (END, "reviewer accepts")
        if s.round + 1 >= team.max_rounds:
            return END, "reviewer's failing test stands at the round limit"
        return "reflect", "reviewer demonstrated a bug"

    def after_attack(s: FunctionState) -> tuple[str, str]:
        if s.accepted:
            return END, "no valid attack breaks the code"
        if s.round + 1 >= team.max_rounds:
            return END, "a red-team break stands at the round limit"
        return "reflect", "the red team broke the code"

    start = "plan" if team.plan else "examples"
    return Graph(
        name="sop",
        state=FunctionState,
        start=start,
        nodes={
            "plan": planning.plan(team),
            "examples": steps.read_examples(),
            "probes": steps.probe_inputs(team),
            "design_tests": steps.design_tests(team, rerun=on_dispute),
            "code": steps.write_code(team),
            "widen": steps.widen(team),
            "run": steps.run_tests,
            "run_widened": steps.run_tests,
            "static": steps.static_checks(team),
            "review": steps.review(team),
            "attack": steps.red_team(team),
            # With ``reflect = false`` the failing evidence goes to the coder without a verbal reflection.
            "reflect": steps.reflect(team) if team.settings.get("reflect", True) else steps.next_round,
        },
        edges={
            "plan": "examples",
            "examples": "probes",
            "probes": "code" if on_dispute else "design_tests",
            # Designed on dispute: the candidates so far run again with the tests, after any widening.
            "design_tests": ("widen" if widen else "run_widened") if on_dispute else "code",
            "code": "run",
            "widen": "run_widened",
            "run_widened": "static",
            "run": "static",
            "static": after_run,
            "review": after_review,
            "attack": after_attack,
            "reflect": "code",
        },
        # The chosen code after each run: new candidates are evaluated before "no progress" is called.
        # ("run_widened" is not watched: a widened first round is one revision, not two.)
        watch={"run": lambda s: s.code},
        rounds=lambda s: s.round,
        verdict=lambda s: s.passed,
    )
