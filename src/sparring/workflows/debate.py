"""``debate``: N agents (own stance, temperature, and — through their role — prompt or model) each
propose code with a confidence; in each round every agent answers the others point by point (agree,
disagree and why) and may revise. Proposals run on every test and are clustered by behaviour, so
the vote is over behaviours, not spellings. The debate stops when every proposal passes, one
behaviour remains, all confidences pass the threshold, positions stop changing, or at the round
limit; then the configured vote decides and every surviving disagreement is recorded as a conflict.

Settings: ``agents`` (a count or a list of {name, role, temperature, stance}), ``vote`` (evidence,
weighted, majority, judge), ``tie_break`` (random, judge, debate), ``confidence_threshold``,
``show_confidence`` (False: peers' confidences are hidden, so a confident majority cannot drown a
correct minority)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sparring import consensus
from sparring.consensus import Position
from sparring.errors import ConfigError, ModelError
from sparring.evidence import run_cases
from sparring.extract import solution_from_reply
from sparring.graph import END, Graph, RunContext
from sparring.workflows import steps
from sparring.workflows.state import Candidate, FunctionState

STANCES = (
    ("minimalist", 0.0, "You favour the simplest solution that meets every stated requirement."),
    ("edge_hunter", 0.7, "You look for the edge cases and boundary values the others missed."),
    ("skeptic", 0.7, "You check every claim, including your own, against the specification."),
)


@dataclass(frozen=True)
class Agent:
    name: str
    role: str
    temperature: float
    stance: str


def agents_of(team: steps.Team, role: str) -> list[Agent]:
    """The team's agents: ``agents`` is a count (built-in stances, cycled) or a list of tables."""
    spec = team.settings.get("agents", 3)
    if isinstance(spec, int):
        picks = [STANCES[i % len(STANCES)] for i in range(max(1, spec))]
        return [Agent(f"{n}{'' if i < len(STANCES) else i}", role, t, s) for i, (n, t, s) in enumerate(picks)]
    return [
        Agent(
            str(a["name"]),
            str(a.get("role", role)),
            float(a.get("temperature", 0.0)),
            str(a.get("stance", "")),
        )
        for a in spec
    ]


class _Point(BaseModel):
    point: str
    why: str = ""


class _Argument(BaseModel):
    agree: list[str] = []
    disagree: list[_Point] = []
    code: str = ""
    confidence: float = 0.5
    reason: str = ""


class _Pick(BaseModel):
    choice: str
    reason: str = ""


def argue(team: steps.Team, agents: Sequence[Agent]) -> steps.Step:
    """Round 0: every agent proposes. Later rounds: each answers the others and may revise."""
    show = bool(team.settings.get("show_confidence", False))

    def step(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
        previous = {p.agent: p for p in s.positions}

        def one(i: int) -> Position | None:
            agent, own = agents[i], previous.get(agents[i].name)
            role = team.role(agent.role)
            peers = [p.model_dump() for p in s.positions if p.agent != agent.name] if own else []
            try:
                reply = ctx.complete(
                    role.name,
                    role.messages(
                        task=s.task, agent=agent.name, stance=agent.stance, show_confidence=show,
                        own=own.model_dump() if own else None, peers=peers,
                    ),
                    schema=_Argument, temperature=agent.temperature, max_tokens=role.max_tokens,
                    seed=team.seed * 1000 + s.round * 100 + i,
                )  # fmt: skip
            except ModelError as exc:  # an agent with no usable answer keeps its position
                ctx.record("debate.no_answer", {"agent": agent.name, "error": str(exc)})
                return own
            arg: _Argument = reply.parsed
            code = (
                solution_from_reply(s.task.prompt, s.task.entry_point, arg.code) if arg.code.strip() else ""
            )
            return Position(
                agent=agent.name,
                answer=own.answer if own else "",
                confidence=min(1.0, max(0.0, arg.confidence)),
                reason=arg.reason,
                code=code or (own.code if own else ""),
                agree=arg.agree,
                disagree=[f"{d.point} — {d.why}" if d.why else d.point for d in arg.disagree],
            )

        with ThreadPoolExecutor(max_workers=len(agents)) as pool:
            positions = [p for p in pool.map(one, range(len(agents))) if p is not None]
        return {"positions": positions, "round": s.round + 1 if s.positions else s.round}

    return step


def probe(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
    """Tool step: run every proposal on every test; label it by behaviour; note who changed."""
    judged = sum(1 for c in s.cases if c.expected is not None)

    def run(p: Position) -> tuple[Position, Candidate]:
        ev = run_cases(ctx.sandbox, p.code, s.cases)
        label = consensus.behaviour_label([ev.load_error or "", *ev.behaviour()])
        update = {
            "answer": label,
            "passed": ev.count_passed(),
            "judged": judged,
            "changed": label != p.answer,
        }
        return p.model_copy(update=update), Candidate(code=p.code, author=p.agent, evidence=ev)

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(run, s.positions))
    positions = [p for p, _ in done]
    ctx.record(
        "debate.round",
        {"round": s.round, "positions": [p.model_dump(exclude={"code"}) for p in positions]},
    )
    return {"positions": positions, "candidates": [c for _, c in done]}


def vote(team: steps.Team) -> steps.Step:
    method: consensus.Method = team.settings.get("vote", "evidence")
    tie_break: consensus.TieBreak = team.settings.get("tie_break", "random")

    def step(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
        def judge(options: Sequence[Position]) -> str:
            role = team.role("judge")
            try:
                reply = ctx.complete(
                    role.name, role.messages(task=s.task, options=[p.model_dump() for p in options]),
                    schema=_Pick, temperature=role.temperature, max_tokens=role.max_tokens,
                )  # fmt: skip
            except ModelError as exc:
                ctx.record("judge.no_answer", {"error": str(exc)})
                return ""
            return str(reply.parsed.choice).strip()

        result = consensus.tally(s.positions, method, judge)
        if result.winner is None and tie_break == "debate" and s.round + 1 < team.max_rounds:
            ctx.record("vote", {"method": result.method, "tied": list(result.tied), "next": "debate again"})
            return {"code": ""}  # no decision yet: the edge sends the debate on
        how: consensus.TieBreak = "random" if tie_break == "debate" else tie_break
        result = consensus.break_tie(result, s.positions, how, seed=team.seed, judge=judge)
        winner = result.winner or ""
        ctx.record("vote", {"method": result.method, "winner": winner, "scores": result.scores,
                            "tied": list(result.tied), "tie_break": result.tie_break,
                            "evidence": result.evidence})  # fmt: skip
        for conflict in consensus.conflicts(s.positions, winner):
            no_code = {"__all__": {"code"}}
            ctx.record("conflict", conflict.model_dump(exclude={"winning": no_code, "losing": no_code}))
        side = [p for p in s.positions if p.answer == winner]
        best = max(side, key=lambda p: p.confidence)
        chosen = next(c for c in s.candidates if c.author == best.agent)
        ev = chosen.evidence
        passed = ev is not None and ev.passes()
        share = len(side) / len(s.positions)
        return {
            "code": best.code,
            "passed": passed,
            "confidence": round(0.5 * best.pass_rate + 0.5 * share, 3),
            "feedback": steps.describe_failure(ev) if ev is not None else "",
        }

    return step


def build(team: steps.Team) -> Graph[FunctionState]:
    agents = agents_of(team, "debater")
    if team.settings.get("vote", "evidence") not in ("evidence", "weighted", "majority", "judge"):
        raise ConfigError("debate: vote must be evidence, weighted, majority or judge")
    if team.settings.get("tie_break", "random") not in ("random", "judge", "debate"):
        raise ConfigError("debate: tie_break must be random, judge or debate")
    threshold = float(team.settings.get("confidence_threshold", 0.9))

    def after_probe(s: FunctionState) -> tuple[str, str]:
        ps = s.positions
        if not ps:
            return END, "no agent proposed a solution"
        if all(p.judged and p.passed == p.judged for p in ps):
            return "vote", "every proposal passes the tests"
        if len({p.answer for p in ps}) == 1:
            return "vote", "consensus: one behaviour"
        if all(p.confidence >= threshold for p in ps):
            return "vote", f"every confidence ≥ {threshold}"
        if s.round + 1 >= team.max_rounds:
            return "vote", f"round limit ({team.max_rounds})"
        if s.round > 0 and not any(p.changed for p in ps):
            return "vote", "positions stopped changing"
        return "argue", "disagreement remains"

    return Graph(
        name="debate",
        state=FunctionState,
        start="examples",
        nodes={
            "examples": steps.read_examples(),
            "design_tests": steps.design_tests(team),
            "argue": argue(team, agents),
            "probe": probe,
            "vote": vote(team),
        },
        edges={
            "examples": "design_tests" if team.test_count else "argue",
            "design_tests": "argue",
            "argue": "probe",
            "probe": after_probe,
            "vote": lambda s: (END, "decided") if s.code else ("argue", "tie: debate once more"),
        },
        rounds=lambda s: s.round,
        verdict=lambda s: s.passed,
    )
