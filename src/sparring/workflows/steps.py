"""The named steps function-task workflows are built from: agent steps and tool steps.

Each factory takes the ``Team`` (roles and settings, all data) and returns a node
``(state, ctx) -> update``. Workflows differ only in which steps they wire together and how.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from sparring.errors import ModelError
from sparring.evidence import Case, Evidence, cases_from_asserts, cases_from_prompt, run_cases
from sparring.extract import solution_from_reply
from sparring.graph import RunContext
from sparring.llm.types import Message
from sparring.probes import probe_cases
from sparring.properties import Property, PropertyLimits, PropertyOutcome, run_properties, split_properties
from sparring.roles import Role
from sparring.workflows.state import Candidate, DroppedTest, FunctionState

Step = Callable[[FunctionState, RunContext], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Team:
    """Who plays which role and how hard they try; a team file sets these."""

    roles: Mapping[str, Role]
    samples: int = 1  # candidates per coding round
    temperature: float = 0.8  # for every candidate after the first (the first is greedy)
    max_rounds: int = 3
    test_count: int = 6
    plan: bool = False
    review: bool = False
    review_tests: bool = False
    seed: int = 0
    red_team: bool = False  # sop: attack code that passes before accepting it
    lessons: bool = False  # retrieve lessons from earlier runs and admit new ones (off: reproducible)
    settings: Mapping[str, Any] = field(default_factory=dict)

    def role(self, name: str) -> Role:
        return self.roles[name]


def _ask(
    ctx: RunContext,
    role: Role,
    *,
    temperature: float | None = None,
    seed: int | None = None,
    schema: type[BaseModel] | None = None,
    n: int = 1,
    **variables: Any,
) -> Any:
    options = {"n": n} if n > 1 else {}
    return ctx.complete(
        role.name,
        role.messages(**variables),
        schema=schema,
        temperature=role.temperature if temperature is None else temperature,
        max_tokens=role.max_tokens,
        seed=seed,
        # A free-text reply cut off at the limit is still partly usable (complete asserts, or code
        # that then fails its tests): a truncated helper must not end the whole run.
        allow_truncated=schema is None,
        **options,
    )


def read_examples() -> Step:
    """Tool step: the spec's own examples become the first, trusted test cases."""

    def step(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
        examples = cases_from_prompt(s.task.prompt, s.task.entry_point)
        ctx.record("tool", {"tool": "examples", "count": len(examples)})
        return {"examples": examples}

    return step


def probe_inputs(team: Team) -> Step:
    """Tool step: up to ``probes`` inputs mutated from the examples' arguments (no tokens, no expected
    value), run on every candidate beside the tests: a crash or timeout most other candidates avoid
    counts against a candidate, and the behaviour vote sees many more inputs."""

    def step(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
        probes = probe_cases(s.examples, s.task.entry_point, int(team.settings.get("probes", 0)))
        ctx.record("tool", {"tool": "probes", "count": len(probes)})
        return {"probes": probes}

    return step


def design_tests(team: Team, *, rerun: bool = False) -> Step:
    """The test designer writes asserts from the spec; the mechanical referee drops the ones that
    contradict the spec's own examples, and (optionally) the test reviewer judges the rest. With
    ``rerun`` (tests designed after the first candidates ran) those candidates lose their evidence,
    so the next run step runs them again with the tests."""

    def step(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
        role = team.role("test_designer")
        lessons = [n.text for n in s.lessons]
        variables: dict[str, Any] = {
            "task": s.task,
            "count": team.test_count,
            "lessons": lessons,
            "plan": s.plan,
        }
        reply = _ask(ctx, role, **variables)
        proposed = cases_from_asserts(reply.text, s.task.entry_point)
        kept, dropped = referee(proposed, s.examples)
        if team.review_tests and kept:
            kept, more = review_in_dialogue(team, s, ctx, role.messages(**variables), reply.text, kept)
            dropped += more
        ctx.record(
            "tests.designed",
            {"kept": [c.as_assert() for c in kept], "dropped": [d.model_dump() for d in dropped]},
        )
        update: dict[str, Any] = {"tests": kept, "dropped_tests": s.dropped_tests + dropped}
        if rerun:
            update["candidates"] = [Candidate(code=c.code, author=c.author) for c in s.candidates]
        return update | {"tests_designed": True}

    return step


def referee(proposed: list[Case], examples: list[Case]) -> tuple[list[Case], list[DroppedTest]]:
    """Drop tests that restate a spec example with a different expected value, or repeat one."""
    spec = {_norm(e.call): _norm(e.expected or "") for e in examples}
    kept: list[Case] = []
    dropped: list[DroppedTest] = []
    for case in proposed:
        key = _norm(case.call)
        if key in spec and spec[key] != _norm(case.expected or ""):
            dropped.append(
                DroppedTest(test=case.as_assert(), reason="contradicts the specification's example")
            )
        elif key in spec:
            continue  # the spec already has this example
        else:
            kept.append(case)
    return kept, dropped


def _norm(src: str) -> str:
    return re.sub(r"\s+", "", src).replace('"', "'")


class _TestVerdict(BaseModel):
    index: int
    correct: bool
    reason: str = ""


class _TestReview(BaseModel):
    verdicts: list[_TestVerdict]


def review_tests(
    team: Team, s: FunctionState, ctx: RunContext, cases: list[Case]
) -> tuple[list[Case], list[DroppedTest]]:
    try:
        reply = _ask(
            ctx,
            team.role("test_reviewer"),
            schema=_TestReview,
            task=s.task,
            tests=[c.as_assert() for c in cases],
        )
    except ModelError as exc:  # a reviewer that cannot answer keeps every test
        ctx.record("tests.review_failed", {"error": str(exc)})
        return cases, []
    wrong = {v.index: v.reason for v in reply.parsed.verdicts if not v.correct}
    kept = [c for i, c in enumerate(cases, 1) if i not in wrong]
    dropped = [
        DroppedTest(test=c.as_assert(), reason=f"test reviewer: {wrong[i]}")
        for i, c in enumerate(cases, 1)
        if i in wrong
    ]
    return kept, dropped


def review_in_dialogue(
    team: Team, s: FunctionState, ctx: RunContext, opening: list[Message], proposal: str, cases: list[Case]
) -> tuple[list[Case], list[DroppedTest]]:
    """Short-term dialogue inside the test design phase: the test reviewer objects with reasons and
    the designer revises, the conversation so far in its messages, up to ``test_review_turns`` times;
    the reviewer has the last word. The turns are recorded as ``dialogue`` events and stay in this
    phase: only the kept tests leave it."""
    role = team.role("test_designer")
    turns = int(team.settings.get("test_review_turns", 1))
    messages = [m for m in opening if m.role != "assistant"]  # a prefill is already part of the proposal
    objected: dict[str, DroppedTest] = {}
    refereed: list[DroppedTest] = []
    for turn in range(turns + 1):
        kept, objections = review_tests(team, s, ctx, cases)
        objected |= {d.test: d for d in objections}
        said = [d.model_dump() for d in objections]
        ctx.record("dialogue", {"phase": "design_tests", "turn": turn, "objections": said})
        if not objections or turn == turns:
            break
        messages += [
            Message.assistant(proposal),
            Message.user(role.template("revise", objections=objections)),
        ]
        options = {"temperature": role.temperature, "max_tokens": role.max_tokens, "allow_truncated": True}
        proposal = ctx.complete(role.name, messages, **options).text
        ctx.record("dialogue", {"phase": "design_tests", "turn": turn, "revision": proposal})
        revised, refused = referee(cases_from_asserts(proposal, s.task.entry_point), s.examples)
        refereed += [d for d in refused if d.test not in objected]
        if not revised:  # a revision without a usable test: keep what the reviewer accepted
            break
        cases = revised
    final = {c.as_assert() for c in kept}
    return kept, refereed + [d for test, d in objected.items() if test not in final]


def _draw(
    team: Team, s: FunctionState, ctx: RunContext, seeds: range, *, greedy_first: bool, repairing: bool
) -> list[Candidate]:
    """The coder's candidates for ``seeds``: sampled at the team's temperature as the choices of one
    request (one prompt evaluation where the backend allows; choice i has seed ``seeds[i]``), the first
    at the role's own (greedy) temperature in a request of its own when ``greedy_first``; in a repair,
    with the failing evidence."""
    role = team.role("coder")
    variables: dict[str, Any] = {
        "task": s.task,
        "plan": s.plan,
        "lessons": [lesson.text for lesson in s.lessons],
        "previous": s.code if repairing else "",
        "feedback": s.feedback if repairing else "",
        "reflections": s.reflections[-2:],
    }
    requests: list[tuple[float, int, int]] = []  # (temperature, seed, choices)
    if greedy_first and len(seeds):
        requests.append((role.temperature, seeds[0], 1))
    sampled = seeds[len(requests) :]
    if len(sampled):
        requests.append((team.temperature, sampled[0], len(sampled)))

    def ask(temperature: float, seed: int, n: int) -> list[Candidate]:
        reply = _ask(ctx, role, temperature=temperature, seed=seed, n=n, **variables)
        texts = reply.choices or (reply.text,)
        return [Candidate(code=solution_from_reply(s.task.prompt, s.task.entry_point, t)) for t in texts]

    with ThreadPoolExecutor(max_workers=max(len(requests), 1)) as pool:
        return [c for batch in pool.map(lambda r: ask(*r), requests) for c in batch]


def write_code(team: Team, samples: int | None = None) -> Step:
    """The coder writes ``samples`` candidates in parallel (first greedy, the rest sampled with seeds),
    from the spec, the plan, and — in a repair round — the failing evidence and reflections."""

    def step(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
        repairing = bool(s.feedback and s.code)
        first = team.seed * 1000 + s.round * 100
        seeds = range(first, first + (samples or team.samples))
        candidates = _draw(team, s, ctx, seeds, greedy_first=not repairing, repairing=repairing)
        if repairing:  # the previous best stays in the running: a repair must beat it on evidence
            candidates.append(Candidate(code=s.code, author="previous"))
        return {"candidates": candidates, "code": candidates[0].code}

    return step


def widen(team: Team) -> Step:
    """Draw ``widen`` more sampled candidates when the first ones are in dispute (they fail the trusted
    tests, or behave differently on the designed cases): easy tasks stop at a cheap first round,
    contested ones get the wider vote. The new candidates join the ones already run."""

    def step(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
        first = team.seed * 1000 + s.round * 100 + 50
        seeds = range(first, first + int(team.settings.get("widen", 0)))
        more = _draw(team, s, ctx, seeds, greedy_first=False, repairing=False)
        return {"candidates": s.candidates + more, "widened": True}

    return step


def run_tests(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
    """Tool step: every new candidate against every case, in the sandbox; the best one becomes ``code``."""
    candidates = evaluate(s, ctx)
    best, confidence = select(candidates)
    return adopt(candidates, best, confidence)


def evaluate(s: FunctionState, ctx: RunContext) -> list[Candidate]:
    """Every candidate run against every case in the sandbox, each run recorded. Candidates that
    already carry evidence (kept from before a widening) are not run again."""

    def probe(c: Candidate) -> Candidate:
        if c.evidence is not None:
            return c
        return Candidate(code=c.code, author=c.author, evidence=run_cases(ctx.sandbox, c.code, s.cases))

    with ThreadPoolExecutor(max_workers=2) as pool:
        candidates = list(pool.map(probe, s.candidates))
    for i, c in enumerate(candidates):
        ev = c.evidence or Evidence()
        ctx.record(
            "tool",
            {
                "tool": "tests",
                "candidate": i,
                "verdict": ev.verdict,
                "load_error": ev.load_error,
                "passed": ev.count_passed(),
                "failed": len(ev.failures),
                "cases": len(s.cases),
            },
        )
    return candidates


def adopt(candidates: list[Candidate], best: Candidate, confidence: float) -> dict[str, Any]:
    """The state update that makes ``best`` (one of the run ``candidates``) the current code."""
    ev = best.evidence or Evidence()
    same = sum(1 for c in candidates if (c.evidence or Evidence()).behaviour() == ev.behaviour())
    return {
        "candidates": candidates,
        "code": best.code,
        "passed": ev.passes_trusted(),
        "confidence": confidence,
        "agreement": same / len(candidates),
        "feedback": describe_failure(ev, trusted_only=ev.has_trusted),
    }


def lone_crashes(candidates: list[Candidate], c: Candidate) -> int:
    """Cases on which ``c`` raised while most of the other candidates returned a value: a crash the
    others avoid marks a missed case, while an input on which most raise is probably invalid."""
    mine = (c.evidence or Evidence()).outcomes
    others = [(x.evidence or Evidence()).outcomes for x in candidates if x is not c]
    count = 0
    for i, o in enumerate(mine):
        if o.error and others:
            returned = sum(1 for outs in others if i < len(outs) and not outs[i].error)
            count += returned * 2 > len(others)
    return count


def select(candidates: list[Candidate]) -> tuple[Candidate, float]:
    """Executed evidence first: candidates passing the trusted tests (the spec's examples and
    confirmed attacks); then those raising on the fewest cases the others handle; among them the
    behaviour cluster with the most support, scored as cluster size × (1 + designed tests passed), a
    vote over behaviours, not spellings (dual agreement). Designed tests may carry wrong
    expectations, so they rank candidates but never fail one."""
    clusters: dict[tuple[str, ...], list[Candidate]] = defaultdict(list)
    for c in candidates:
        clusters[(c.evidence or Evidence()).behaviour()].append(c)

    def score(c: Candidate) -> tuple[int, int, int]:
        ev = c.evidence or Evidence()
        support = len(clusters[ev.behaviour()]) * (1 + ev.count_passed("generated"))
        return (int(ev.passes_trusted()), -lone_crashes(candidates, c), support)

    best = max(candidates, key=score)  # ties keep the earliest (the greedy candidate comes first)
    ev = best.evidence or Evidence()
    agreeing = len(clusters[ev.behaviour()])
    designed = sum(1 for o in ev.outcomes if o.case.origin == "generated" and o.case.expected is not None)
    designed_rate = ev.count_passed("generated") / designed if designed else 1.0
    confidence = 0.5 * ev.passes_trusted() + 0.3 * designed_rate + 0.2 * agreeing / len(candidates)
    if not ev.has_trusted:  # only designed tests (or nothing) vouch for it
        confidence = 0.5 * confidence if ev.checked else 0.0
    return best, round(confidence, 3)


def describe_failure(ev: Evidence, limit: int = 3, *, trusted_only: bool = False) -> str:
    if ev.load_error:
        return f"The code does not run: {ev.load_error}"
    lines = []
    failures = [o for o in ev.failures if not trusted_only or o.case.origin != "generated"]
    for o in failures[:limit]:
        got = o.error or f"got {o.output}"
        lines.append(f"`{o.case.as_assert()}` fails: {got}")
    return "\n".join(lines)


def reflect(team: Team) -> Step:
    """Verbal reflection on the concrete failure, kept as episodic memory for the next attempt."""

    def step(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
        reply = _ask(ctx, team.role("reflector"), task=s.task, code=s.code, feedback=s.feedback)
        return {"reflections": [*s.reflections, reply.text.strip()], "round": s.round + 1}

    return step


def next_round(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
    """Repair without a reflection: just count the round (the feedback itself goes to the coder)."""
    return {"round": s.round + 1}


class _Review(BaseModel):
    accept: bool
    confidence: float = 0.5
    issue: str = ""
    failing_test: str = ""


def review(team: Team) -> Step:
    """The reviewer sees the code and the evidence. A rejection counts only when its failing test is
    valid per the spec (the referee) and really fails when executed: evidence outranks opinion."""

    def step(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
        evidence = f"{len(s.examples) + len(s.tests)} tests ran; all passed." if s.passed else s.feedback
        if s.static_findings:
            evidence += "\nStatic checks: " + "; ".join(s.static_findings[:5])
        try:
            reply = _ask(
                ctx, team.role("reviewer"), schema=_Review, task=s.task, code=s.code, evidence=evidence
            )
        except ModelError as exc:
            ctx.record("review", {"accept": True, "reason": f"reviewer gave no usable answer: {exc}"})
            return {"accepted": True}
        verdict: _Review = reply.parsed
        attack = cases_from_asserts(verdict.failing_test, s.task.entry_point, origin="reviewer")
        attack, dropped = referee(attack, s.examples)
        if verdict.accept or not attack:
            ctx.record("review", {"accept": True, "claimed": verdict.model_dump(), "dropped": len(dropped)})
            return {"accepted": True}
        ev = run_cases(ctx.sandbox, s.code, attack)
        if ev.passes():
            ctx.record(
                "review",
                {"accept": True, "reason": "the reviewer's test passes", "test": attack[0].as_assert()},
            )
            return {"accepted": True}
        ctx.record("review", {"accept": False, "issue": verdict.issue, "test": attack[0].as_assert()})
        return {
            "accepted": False,
            "passed": False,
            "tests": s.tests + attack,
            "feedback": describe_failure(ev),
        }

    return step


def red_team(team: Team) -> Step:
    """The red team attacks code that passes with asserts (edge cases, invalid inputs, boundaries,
    performance traps) and hypothesis properties. Attacks contradicting the spec's examples are
    discarded by the referee (and, with ``review_tests``, by the test reviewer); the rest run, and a
    confirmed break goes back to the coder with the failing input. Attacks the code survives stay on
    as regression tests; valid properties are run again on every later attack round."""

    def step(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
        count = int(team.settings.get("attacks", 5))
        most = int(team.settings.get("properties", 2))
        reply = _ask(ctx, team.role("red_team"), task=s.task, code=s.code, count=count, properties=most)
        new_properties, plain = split_properties(reply.text, s.task.entry_point)
        known = {_norm(c.call) for c in s.tests}
        proposed = [
            c
            for c in cases_from_asserts(plain, s.task.entry_point, origin="red_team")
            if _norm(c.call) not in known
        ]
        valid, dropped = referee(proposed, s.examples)
        if team.review_tests and valid:
            valid, more = review_tests(team, s, ctx, valid)
            dropped += more
        ev = run_cases(ctx.sandbox, s.code, valid) if valid else Evidence()
        breaks = [o.case.as_assert() for o in ev.failures]
        standing, outcomes, discarded = _property_attacks(team, s, ctx, new_properties[:most])
        broken = [o for o in outcomes if o.status == "broken"]
        ctx.record(
            "red_team",
            {
                "proposed": len(proposed),
                "discarded": [d.model_dump() for d in dropped],
                "survived": [c.as_assert() for c in valid if c.as_assert() not in breaks],
                "breaks": breaks,
                "properties": [
                    o.model_dump(exclude={"property"}) | {"name": o.property.name} for o in outcomes
                ],
            },
        )
        update: dict[str, Any] = {
            "tests": s.tests + valid,
            "dropped_tests": s.dropped_tests + dropped + discarded,
            "properties": standing,
        }
        if not breaks and ev.load_error is None and not broken:
            return update | {"accepted": True}
        feedback = [describe_failure(ev)] if breaks or ev.load_error else []
        feedback += [o.describe() for o in broken[:2]]
        return update | {"accepted": False, "passed": False, "feedback": "\n".join(feedback)}

    return step


def _property_attacks(
    team: Team, s: FunctionState, ctx: RunContext, proposed: list[Property]
) -> tuple[list[Property], list[PropertyOutcome], list[DroppedTest]]:
    """Run the standing properties and the new ones (refereed in the sandbox, and by the test reviewer
    with ``review_tests``). Returns the properties that stay, every outcome, and the discarded ones."""
    seen = {p.source for p in s.properties} | {d.test for d in s.dropped_tests}  # judged already
    new = [p for p in proposed if p.source not in seen]
    dropped: list[DroppedTest] = []
    if team.review_tests and new:  # the test reviewer judges a property's source like an assert
        judged, dropped = review_tests(team, s, ctx, [Case(call=p.source, origin="red_team") for p in new])
        new = [p for p in new if p.source in {c.call for c in judged}]
    limits = PropertyLimits(max_examples=int(team.settings.get("property_examples", 50)))
    runs = run_properties(ctx.sandbox, s.code, s.properties + new, s.examples, s.task.entry_point, limits)
    old = len(s.properties)
    # A standing property stays unless it went wrong on its own; a new one joins once it has a verdict.
    standing = [
        o.property
        for i, o in enumerate(runs)
        if o.status in ("held", "broken") or (i < old and o.status == "no_verdict")
    ]
    dropped += [
        DroppedTest(test=o.property.source, reason=f"property {o.property.name}: {o.detail}")
        for o in runs
        if o.status in ("contradicts", "invalid")
    ]
    return standing, runs, dropped


# Real errors only (undefined names, syntax, unused-but-harmless rules stay out): a finding here is a bug.
LINT_RULES = ("F821", "F822", "F823", "F841", "E9", "PLE", "B006", "B008")


def static_checks(team: Team) -> Step:
    """Tool step: ruff (and mypy when ``typecheck`` is set) on the chosen code, in the sandbox.
    Findings are evidence for the reviewer and the repair loop; they do not change the verdict."""

    def step(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
        from sparring.tools import run_mypy, run_ruff

        files = {"solution.py": s.code}
        lint = run_ruff(ctx.sandbox, ["solution.py"], files=files, select=LINT_RULES)
        findings = [f"line {f.line}: {f.code} {f.message}" for f in lint.findings]
        if bool(team.settings.get("typecheck", False)):
            types = run_mypy(ctx.sandbox, ["solution.py"], files=files)
            findings += [f"line {f.line}: {f.message}" for f in types.findings]
        ctx.record("tool", {"tool": "static", "findings": findings, "problems": list(lint.problems)})
        return {"static_findings": findings}

    return step
