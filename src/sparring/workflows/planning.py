"""The planner step: a structured, recursive decomposition of the task, rendered as text for the team.

The planner answers with subtasks, each with a name, an interface (a signature) and a completion
criterion, and says which are large; large ones are decomposed again, down to the team setting
``plan_depth``. The planner role file caps the subtasks kept per level and the calls per run. A reply
that fails the schema (after the model layer's repairs) costs only its own branch: the top level
falls back to no plan, a subtask stays undivided; either way a ``plan.failed`` event says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from sparring.errors import ModelError
from sparring.graph import RunContext
from sparring.workflows.state import FunctionState
from sparring.workflows.steps import Step, Team, _ask


class Subtask(BaseModel):
    name: str
    interface: str
    done_when: str
    large: bool = False


class Decomposition(BaseModel):
    """One planner reply: the schema the model is held to."""

    approach: str = ""
    subtasks: list[Subtask] = Field(default_factory=list)


class PlanStep(BaseModel):
    """A node of the plan tree: a subtask and, when it was large, its own decomposition."""

    name: str
    interface: str
    done_when: str
    approach: str = ""
    steps: list[PlanStep] = Field(default_factory=list)


class Plan(BaseModel):
    approach: str = ""
    steps: list[PlanStep] = Field(default_factory=list)


def plan(team: Team) -> Step:
    """Agent step: decompose the task (recursively for large subtasks) into ``plan``, rendered text."""

    def step(s: FunctionState, ctx: RunContext) -> Mapping[str, Any]:
        role = team.role("planner")
        depth = int(team.settings.get("plan_depth", 2))
        width = int(role.extra.get("max_subtasks", 5))
        calls_left = [int(role.extra.get("max_calls", 8))]

        def ask(part: Subtask | None) -> Decomposition | None:
            calls_left[0] -= 1
            try:
                reply = _ask(ctx, role, schema=Decomposition, task=s.task, part=part, width=width)
            except ModelError as exc:
                ctx.record("plan.failed", {"subtask": part.name if part else None, "error": str(exc)})
                return None
            parsed: Decomposition = reply.parsed
            return parsed

        def expand(d: Decomposition, level: int) -> list[PlanStep]:
            out = []
            for sub in d.subtasks[:width]:
                node = PlanStep(name=sub.name, interface=sub.interface, done_when=sub.done_when)
                if sub.large and level < depth and calls_left[0] > 0 and (inner := ask(sub)) is not None:
                    node.approach, node.steps = inner.approach, expand(inner, level + 1)
                out.append(node)
            return out

        top = ask(None)
        if top is None:
            return {"plan": ""}
        tree = Plan(approach=top.approach, steps=expand(top, 1))
        ctx.record("plan", {"depth": depth, "tree": tree.model_dump()})
        return {"plan": render(tree)}

    return step


def render(tree: Plan) -> str:
    """The plan as numbered, indented text (1., 1.1., ...) for the coder's and test designer's prompts."""
    lines = [f"Approach: {tree.approach}"] if tree.approach else []

    def walk(steps: list[PlanStep], prefix: str, indent: str) -> None:
        for i, st in enumerate(steps, 1):
            number = f"{prefix}{i}."
            lines.append(f"{indent}{number} {st.name}: `{st.interface}`; done when {st.done_when}")
            if st.approach:
                lines.append(f"{indent}   Approach: {st.approach}")
            walk(st.steps, number, indent + "   ")

    walk(tree.steps, "", "")
    return "\n".join(lines)
