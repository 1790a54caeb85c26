"""Hypothesis properties from the red team: parsed from a reply, refereed against the spec's own
examples, and run against a candidate in the sandbox (``property_probe.py`` is the sandboxed side).

A property is a ``@given(...)`` test function that calls the function under test and asserts what
the specification says must hold for every input it draws. What counts, and why:

* **Referee (soundness towards the spec).** Where the property hands its drawn parameters straight
  to the function (``out = f(xs)``), each spec example ``f(A) == B`` binds them (``xs = A``). The
  property's body then runs on that input with the function replaced by the spec itself: an oracle
  that answers each example's expected value for exactly that example's input and knows nothing
  else. If the assertion fails there, the property contradicts the spec's own example and is
  discarded; if it raises anything else there, it crashes on its own and is invalid. An example
  that reaches an input the oracle cannot answer judges nothing. So a property is discarded only
  when the spec's own input/output pairs refute it; one no example binds is run as it is.
* **Attack.** Valid properties run with hypothesis against the candidate: a bounded number of
  examples, a per-example deadline and a time limit, derandomized so a verdict is reproducible.
  A failed assertion (after hypothesis shrinks it), an exception from the candidate's own code, a
  missed deadline, or a hang inside the candidate is a break, reported with the minimal input and
  the calls the candidate answered. An exception from the property's own code, or a failure without
  any call to the function, is the property's fault: invalid, never a break.
"""

from __future__ import annotations

import ast
import json
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from sparring.evidence import Case
from sparring.extract import code_blocks
from sparring.pyparse import parse_expression, parse_module

Status = Literal["held", "broken", "contradicts", "invalid", "no_verdict"]
_PROBE = Path(__file__).with_name("property_probe.py")
_ALLOWED_DECORATORS = {"given", "example"}  # @settings, @seed ... are dropped: the runner sets them


class Property(BaseModel):
    """One ``@given`` test function; ``source`` holds the imports and helpers it may need."""

    name: str
    source: str


class PropertyOutcome(BaseModel):
    """What one property did: ``input`` is hypothesis's minimal failing input, ``calls`` the calls the
    candidate answered on it (``[call, what it did]``)."""

    property: Property
    status: Status
    detail: str = ""
    input: str = ""
    calls: list[list[str]] = Field(default_factory=list)

    def describe(self) -> str:
        """The failing case for the coder: the property, the minimal input, what the code did."""
        lines = [f"The property `{self.property.name}` fails ({self.detail}) on {self.input or 'its input'}:"]
        lines += [f"  {call} {what}" for call, what in self.calls]
        lines += ["```python", self.property.source.strip(), "```"]
        return "\n".join(lines)


@dataclass(frozen=True)
class PropertyLimits:
    max_examples: int = 50
    deadline_ms: int = 2000  # per example, like the probe's per-case time limit
    seconds: float = 20.0  # per property, generation and shrinking included
    load_seconds: float = 5.0


def split_properties(text: str, entry_point: str) -> tuple[list[Property], str]:
    """The ``@given`` functions of each code block, each with the block's imports and helper functions;
    and the rest of the text with those functions removed (so the asserts inside a property are not
    read as plain attacks). A block that is not valid Python yields no properties."""
    found: list[Property] = []
    rest: list[str] = []
    for block in code_blocks(text):
        try:
            tree = parse_module(block)
        except SyntaxError:
            rest.append(block)
            continue
        given = [n for n in tree.body if isinstance(n, ast.FunctionDef) and _is_given(n)]
        prelude = [n for n in tree.body if _is_prelude(n, entry_point) and n not in given]
        lines = block.splitlines()
        for fn in reversed(given):
            start = min([fn.lineno] + [d.lineno for d in fn.decorator_list]) - 1
            del lines[start : fn.end_lineno]
        rest.append("\n".join(lines))
        for fn in given:
            fn.decorator_list = [d for d in fn.decorator_list if _decorator_name(d) in _ALLOWED_DECORATORS]
            module = ast.Module(body=[*prelude, fn], type_ignores=[])
            found.append(Property(name=fn.name, source=ast.unparse(module) + "\n"))
    return found, "".join(f"```python\n{r}\n```\n" for r in rest)


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


def _is_given(fn: ast.FunctionDef) -> bool:
    return any(_decorator_name(d) == "given" for d in fn.decorator_list)


def _is_prelude(node: ast.stmt, entry_point: str) -> bool:
    """Imports (not of the function under test, which the runner provides) and helper functions."""
    if isinstance(node, ast.ImportFrom):
        return node.module != "solution" and all(a.name != entry_point for a in node.names)
    if isinstance(node, ast.Import):
        return all(a.name != "solution" for a in node.names)
    return isinstance(node, ast.FunctionDef)


def bindings(prop: Property, examples: Sequence[Case], entry_point: str) -> list[dict[str, object]]:
    """For each spec example, the property's parameters bound to that example's arguments, where the
    property passes its parameters straight to the function (the first such call); all parameters
    must be bound. Pure syntax: nothing is evaluated here."""
    fn = next(
        n for n in parse_module(prop.source).body if isinstance(n, ast.FunctionDef) and n.name == prop.name
    )
    params = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
    direct = next((c for c in ast.walk(fn) if _passes_params(c, entry_point, params)), None)
    if direct is None:
        return []
    assert isinstance(direct, ast.Call)
    out: list[dict[str, object]] = []
    for e in examples:
        if e.expected is None:
            continue
        try:
            call = parse_expression(e.call).body
        except SyntaxError:
            continue
        bound = _bind(direct, call)
        if bound is not None and set(bound) == params:
            out.append({"example": f"{e.call} == {e.expected}", "kwargs": bound})
    return out


def _passes_params(node: ast.AST, entry_point: str, params: set[str]) -> bool:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == entry_point):
        return False
    values = [*node.args, *(k.value for k in node.keywords)]
    return bool(values) and all(isinstance(v, ast.Name) and v.id in params for v in values)


def _bind(direct: ast.Call, example: ast.expr) -> dict[str, str] | None:
    if not isinstance(example, ast.Call) or len(example.args) != len(direct.args):
        return None
    if any(isinstance(a, ast.Starred) for a in example.args) or any(k.arg is None for k in example.keywords):
        return None
    given_kw = {k.arg: k.value for k in example.keywords}
    if set(given_kw) != {k.arg for k in direct.keywords}:
        return None
    pairs = list(zip(direct.args, example.args, strict=True))
    pairs += [(k.value, given_kw[k.arg]) for k in direct.keywords]
    bound: dict[str, str] = {}
    for param, value in pairs:
        assert isinstance(param, ast.Name)
        src = ast.unparse(value)
        if bound.setdefault(param.id, src) != src:
            return None  # one parameter passed twice with different example values
    return bound


def run_properties(
    sandbox: object,
    code: str,
    props: Sequence[Property],
    examples: Sequence[Case],
    entry_point: str,
    limits: PropertyLimits = PropertyLimits(),
) -> list[PropertyOutcome]:
    """Referee and run ``props`` against ``code`` in one sandboxed process; never raises for bad code.
    Without a result from the sandbox (the candidate killed the process), every property has no verdict."""
    from sparring.sandbox.types import Limits, Sandbox

    assert isinstance(sandbox, Sandbox)
    if not props:
        return []
    marker = "@@sparring-" + secrets.token_hex(8) + "@@"
    judged = [e for e in examples if e.expected is not None]
    cfg = {
        "entry_point": entry_point,
        "marker": marker,
        "examples": [{"call": e.call, "expected": e.expected} for e in judged],
        "properties": [p.model_dump() | {"bindings": bindings(p, judged, entry_point)} for p in props],
        "max_examples": limits.max_examples,
        "deadline_ms": limits.deadline_ms,
        "seconds": limits.seconds,
        "load_seconds": limits.load_seconds,
    }
    wall = limits.load_seconds + len(props) * (limits.seconds + 2 * limits.load_seconds) + 10
    execution = sandbox.run(
        [sys.executable, "property_probe.py"],
        files={
            "solution.py": code,
            "property_probe.py": _PROBE.read_text(encoding="utf-8"),
            "properties.json": json.dumps(cfg),
        },
        limits=Limits(timeout=wall),
    )
    _, found, payload = execution.stdout.rpartition(marker)
    try:
        data = json.JSONDecoder().raw_decode(payload)[0] if found else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("load_error"):
        why = (
            data["load_error"]
            if isinstance(data, dict)
            else f"{execution.verdict}: {execution.stderr[-300:]}"
        )
        return [PropertyOutcome(property=p, status="no_verdict", detail=f"no result ({why})") for p in props]
    return [PropertyOutcome(property=p, **r) for p, r in zip(props, data["results"], strict=False)]
