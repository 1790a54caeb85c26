"""``roundtable``: every agent in one shared conversation. Each turn a speaker selector picks who
speaks — ``round_robin``, or ``llm``: a moderator constrained to the valid names (an enum schema, a
grammar on llama.cpp); a reply that names no valid agent falls back to the next agent in round-robin
order, recorded, never a crash or a loop. The speaker reads the whole conversation and the current
code with its test results, then talks, proposes new code, or endorses the current code. The table
stops when the tests pass, when every agent's latest turn endorses unchanged code (consensus), when
a full round brings no new code (stalled), or at the round limit (a round is one turn per agent)."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import create_model

from sparring.errors import ConfigError, ModelError
from sparring.evidence import Evidence
from sparring.extract import defines, fenced_code, outside_fences, prose, solution_from_reply
from sparring.graph import END, Graph, RunContext
from sparring.pyparse import parse_module
from sparring.workflows import steps
from sparring.workflows.debate import Agent, agents_of
from sparring.workflows.state import Candidate, FunctionState, Turn


@dataclass(frozen=True)
class Say:
    """What one turn said: its words, the code it proposes (empty: none), and whether it endorses."""

    message: str
    code: str = ""
    agree: bool = False


# A line opening with the marker (after any emphasis): "ENDORSE", "**ENDORSE**: it is right".
_ENDORSE = re.compile(r"^[^\w\n]*ENDORSE\b[^\w\n]*", re.MULTILINE)


def read_turn(reply: str, prompt: str, entry_point: str, current: str = "") -> Say:
    """A turn is plain text: words, then the complete function in a fenced block, or a line opening
    with ENDORSE. Code inside a JSON string is where a small model errs most (escapes, lost
    indentation), so the panelist writes code the way it was trained to. Small models quote the code
    under discussion before their fix, so the proposal is the last block that defines the function
    and differs from ``current``; a reply that only quotes the current code proposes nothing."""
    fenced = [b for b in fenced_code(reply) if b.strip()]
    marked = [b for b in fenced if _ENDORSE.fullmatch(b.strip())]  # "```\nENDORSE\n```"
    blocks = [b for b in fenced if b not in marked]
    defining = [b for b in blocks if defines(b, entry_point)] or blocks
    proposals = [solution_from_reply(prompt, entry_point, b) for b in defining]
    fresh = [code for code in proposals if not same_code(code, current)]
    code = fresh[-1] if fresh else ""
    words = outside_fences(reply)
    agree = not code and bool(marked or _ENDORSE.search(words))
    message = prose(_ENDORSE.sub(" ", words))
    return Say(
        message=message[:1500] or ("(endorses the code)" if agree else "(no words)"), code=code, agree=agree
    )


def same_code(a: str, b: str) -> bool:
    """Equal programs, ignoring layout and comments."""
    if not a.strip() or not b.strip():
        return False
    try:
        return ast.dump(parse_module(a)) == ast.dump(parse_module(b))
    except SyntaxError:
        return a.strip() == b.strip()


def round_robin(agents: Sequence[Agent], transcript: Sequence[Turn]) -> Agent:
    """The agent after the last speaker (the first agent to open)."""
    names = [a.name for a in agents]
    if not transcript or transcript[-1].agent not in names:
        return agents[len(transcript) % len(agents)]
    return agents[(names.index(transcript[-1].agent) + 1) % len(agents)]


def choose_speaker(team: steps.Team, agents: Sequence[Agent], s: FunctionState, ctx: RunContext) -> Agent:
    fallback = round_robin(agents, s.transcript)
    if team.settings.get("selector", "round_robin") != "llm" or len(agents) == 1:
        ctx.record("speaker", {"speaker": fallback.name, "by": "round_robin"})
        return fallback
    last = s.transcript[-1].agent if s.transcript else None
    names = [a.name for a in agents if a.name != last]  # nobody speaks twice in a row
    choice = Enum("Speaker", {n: n for n in names})  # type: ignore[misc]
    schema = create_model("SpeakerChoice", speaker=(choice, ...))
    role = team.role("selector")
    try:
        reply = ctx.complete(
            role.name,
            role.messages(task=s.task, transcript=[t.model_dump() for t in s.transcript], names=names),
            schema=schema,
            temperature=role.temperature,
            max_tokens=role.max_tokens,
        )
        picked = str(reply.parsed.speaker.value)
    except ModelError as exc:
        ctx.record("speaker", {"speaker": fallback.name, "by": "fallback", "error": str(exc)[:300]})
        return fallback
    ctx.record("speaker", {"speaker": picked, "by": "selector"})
    return next(a for a in agents if a.name == picked)


def turn(team: steps.Team, agents: Sequence[Agent]) -> steps.Step:
    def step(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
        agent = choose_speaker(team, agents, s, ctx)
        role = team.role(agent.role)
        evidence = "all tests pass" if s.passed else (s.feedback or "not run yet")
        variables = {"task": s.task, "agent": agent.name, "stance": agent.stance, "code": s.code,
                     "transcript": [t.model_dump() for t in s.transcript], "evidence": evidence}  # fmt: skip
        try:
            reply = ctx.complete(
                role.name,
                role.messages(**variables),
                temperature=agent.temperature, max_tokens=role.max_tokens,
                seed=team.seed * 1000 + len(s.transcript),
            )  # fmt: skip
            say = read_turn(reply.text, s.task.prompt, s.task.entry_point, current=s.code)
        except ModelError as exc:  # a silent turn still counts, so the table cannot spin
            say = Say(message=f"(no usable answer: {str(exc)[:120]})")
        said = Turn(agent=agent.name, text=say.message, code=say.code, agree=say.agree)
        transcript = [*s.transcript, said]
        update: dict[str, Any] = {"transcript": transcript, "round": len(transcript) // len(agents)}
        if said.code:
            # the current code stays in the running with its evidence: a proposal must beat it
            current = [c for c in s.candidates if c.code == s.code and c.evidence is not None][:1]
            update["candidates"] = [Candidate(code=said.code, author=agent.name), *current]
        return update

    return step


def run_latest(s: FunctionState, ctx: RunContext) -> Mapping[str, Any] | None:
    """Tool step: run the newest proposal beside the current code; the proposal becomes the current
    code unless the current code does better (passes the trusted tests where the proposal does not,
    or passes more tests), so a proposal that does not even load cannot replace code that passes
    most tests. The speaker's turn records what the run showed."""
    if not s.transcript or not s.transcript[-1].code:
        return None
    candidates = steps.evaluate(s, ctx)
    proposal = candidates[0]

    def standing(c: Candidate) -> tuple[bool, int, bool]:
        ev = c.evidence or Evidence()
        return ev.passes_trusted(), ev.count_passed(), ev.load_error is None

    best = max(candidates, key=standing)  # a tie keeps the proposal (first)
    update = steps.adopt(candidates, best, confidence=steps.select([best])[1])
    ev = proposal.evidence or Evidence()
    shown = (
        f"it does not run: {ev.load_error[:200]}"
        if ev.load_error
        else f"it passes {ev.count_passed()} of {ev.checked} tests"
    )
    if best is not proposal:
        shown += "; the current code does better, so it was not adopted"
    update["transcript"] = [*s.transcript[:-1], s.transcript[-1].model_copy(update={"outcome": shown})]
    return update


def consensus_reached(agents: Sequence[Agent], transcript: Sequence[Turn]) -> bool:
    """Every agent's latest turn, all within the last round, endorses the unchanged current code."""
    last = transcript[-len(agents) :]
    return (
        len(last) == len(agents)
        and {t.agent for t in last} == {a.name for a in agents}
        and all(t.agree for t in last)
    )


def stalled(agents: Sequence[Agent], transcript: Sequence[Turn]) -> bool:
    """A full round of turns proposed no code: the failing code cannot change, so talking on only
    spends tokens (a 1.5B panel repeated one criticism for eight turns)."""
    last = transcript[-len(agents) :]
    return len(transcript) > len(agents) and not any(t.code for t in last)


def build(team: steps.Team) -> Graph[FunctionState]:
    agents = agents_of(team, "panelist")
    if team.settings.get("selector", "round_robin") not in ("round_robin", "llm"):
        raise ConfigError("roundtable: selector must be round_robin or llm")

    def after_run(s: FunctionState) -> tuple[str, str]:
        if s.passed:
            return END, "tests pass"
        if s.code and consensus_reached(agents, s.transcript):
            return END, "consensus: every agent endorses the code"
        if stalled(agents, s.transcript):
            return END, "stalled: a full round without new code while the tests fail"
        if s.round >= team.max_rounds:
            return END, f"round limit ({team.max_rounds} rounds of {len(agents)} turns)"
        return "turn", "the table talks on"

    return Graph(
        name="roundtable",
        state=FunctionState,
        start="examples",
        nodes={
            "examples": steps.read_examples(),
            "design_tests": steps.design_tests(team),
            "turn": turn(team, agents),
            "run": run_latest,
        },
        edges={
            "examples": "design_tests" if team.test_count else "turn",
            "design_tests": "turn",
            "turn": "run",
            "run": after_run,
        },
        rounds=lambda s: s.round,
        verdict=lambda s: s.passed,
    )
