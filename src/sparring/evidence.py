"""Executed evidence for function tasks: run a candidate on test cases in the sandbox, one process each.

A ``Case`` is a call expression and, when known, the expected value (both Python source). Cases
come from the prompt's own examples, from the test designer, or from the red team. A case with no
expected value still yields the candidate's output, which is how candidates are compared by
behaviour. The probe runs every case with its own time limit and reports per-case outcomes as JSON.
"""

from __future__ import annotations

import ast
import json
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from sparring.extract import code_blocks
from sparring.pyparse import parse_module


class Case(BaseModel):
    """One test case: ``call`` evaluated in the solution's namespace, compared to ``expected``."""

    call: str
    expected: str | None = None
    origin: str = "generated"  # "prompt" (the spec's examples), "generated", "red_team", "reviewer"

    def as_assert(self) -> str:
        return f"assert {self.call} == {self.expected}" if self.expected is not None else self.call


class Outcome(BaseModel):
    """What happened to one case: ``passed`` is None when there was no expectation to compare."""

    case: Case
    output: str | None = None
    passed: bool | None = None
    error: str | None = None


class Evidence(BaseModel):
    """All outcomes of one candidate; ``load_error`` means the module itself failed to import."""

    outcomes: list[Outcome] = []
    load_error: str | None = None
    verdict: str = "ok"

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.passed is False or (o.error and o.case.expected is not None)]

    def passes(self, origin: str | None = None) -> bool:
        judged = [
            o
            for o in self.outcomes
            if o.case.expected is not None and (origin is None or o.case.origin == origin)
        ]
        return self.load_error is None and all(o.passed for o in judged)

    def _judged(self, trusted: bool) -> list[Outcome]:
        return [
            o
            for o in self.outcomes
            if o.case.expected is not None and (o.case.origin != "generated") == trusted
        ]

    @property
    def has_trusted(self) -> bool:
        return bool(self._judged(trusted=True))

    @property
    def checked(self) -> int:
        """How many cases with an expectation ran: 0 means nothing verified this candidate."""
        return sum(1 for o in self.outcomes if o.case.expected is not None)

    def passes_trusted(self) -> bool:
        """The cases we trust pass: the spec's examples and confirmed attacks. Designed tests may carry
        wrong expectations, so they decide only when there is nothing better (a spec without examples)."""
        judged = self._judged(trusted=True) or self._judged(trusted=False)
        return self.load_error is None and all(o.passed for o in judged)

    def count_passed(self, origin: str | None = None) -> int:
        return sum(1 for o in self.outcomes if o.passed and (origin is None or o.case.origin == origin))

    def behaviour(self) -> tuple[str, ...]:
        """The candidate's observable outputs on every case: equal tuples mean equal behaviour."""
        return tuple(f"!{o.error.split(':')[0]}" if o.error else str(o.output) for o in self.outcomes)


def cases_from_asserts(text: str, entry_point: str, origin: str = "generated") -> list[Case]:
    """Parse ``assert f(...) == expected`` lines (in fences or not); anything else is ignored."""
    cases: list[Case] = []
    seen: set[str] = set()
    for block in code_blocks(text):
        for line in block.splitlines():
            case = _case_from_line(line.strip(), entry_point, origin)
            if case is not None and case.call not in seen:
                seen.add(case.call)
                cases.append(case)
    return cases


def _case_from_line(line: str, entry_point: str, origin: str) -> Case | None:
    if not line.startswith("assert "):
        return None
    try:
        node = parse_module(line).body[0]
    except SyntaxError:
        return None
    if not isinstance(node, ast.Assert) or not isinstance(node.test, ast.Compare):
        return None
    cmp = node.test
    if len(cmp.ops) != 1 or not isinstance(cmp.ops[0], ast.Eq | ast.Is):
        return None
    left, right = cmp.left, cmp.comparators[0]
    if not _calls(left, entry_point):
        left, right = right, left
    if not _calls(left, entry_point):
        return None
    return Case(call=ast.unparse(left), expected=ast.unparse(right), origin=origin)


def _calls(node: ast.expr, entry_point: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == entry_point


def cases_from_prompt(prompt: str, entry_point: str) -> list[Case]:
    """The spec's own examples (doctest ``>>>`` blocks, else ``f(x) ==> y`` style lines): trusted cases."""
    from sparring.tools import examples_from_prompt

    return [
        Case(call=e.call, expected=e.expected, origin="prompt")
        for e in examples_from_prompt(prompt, entry_point)
    ]


_PROBE = r"""
import io, json, math, signal, sys, contextlib
cfg = json.load(open("probe.json"))
class _Timeout(BaseException): pass
def _alarm(*_): raise _Timeout()
signal.signal(signal.SIGALRM, _alarm)
def _eq(a, b):
    if isinstance(a, float) or isinstance(b, float):
        try: return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
        except TypeError: return False
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and type(a) == type(b):
        return len(a) == len(b) and all(_eq(x, y) for x, y in zip(a, b))
    return a == b
ns = {"__name__": "solution"}
out = {"load_error": None, "outcomes": []}
try:
    signal.setitimer(signal.ITIMER_REAL, cfg["load_timeout"])
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(open("solution.py").read(), "solution.py", "exec"), ns)
    signal.setitimer(signal.ITIMER_REAL, 0)
except BaseException as e:
    out["load_error"] = f"{type(e).__name__}: {e}"[:300]
timeouts = 0
for case in ([] if out["load_error"] else cfg["cases"]):
    r = {"output": None, "passed": None, "error": None}
    if timeouts >= 2:  # a candidate that hangs twice would hang again; don't spend the budget
        r["error"] = "Timeout: skipped after two earlier timeouts"
        r["passed"] = False if case["expected"] is not None else None
        out["outcomes"].append(r)
        continue
    try:
        signal.setitimer(signal.ITIMER_REAL, cfg["case_timeout"])
        with contextlib.redirect_stdout(io.StringIO()):
            got = eval(case["call"], ns)
        signal.setitimer(signal.ITIMER_REAL, 0)
        r["output"] = repr(got)[:300]
        if case["expected"] is not None:
            # The expectation is evaluated apart from the candidate's namespace and compared from its
            # side, so a returned object with a rigged __eq__ cannot pass for the right value.
            want = eval(case["expected"], {"__builtins__": __builtins__, "math": math})
            numbers = isinstance(want, (int, float)) and isinstance(got, (int, float))
            r["passed"] = bool((type(got) is type(want) or numbers) and _eq(want, got))
    except _Timeout:
        timeouts += 1
        r["error"] = "Timeout: no answer within the case time limit"
        r["passed"] = False if case["expected"] is not None else None
    except BaseException as e:
        signal.setitimer(signal.ITIMER_REAL, 0)
        r["error"] = f"{type(e).__name__}: {e}"[:300]
        r["passed"] = False if case["expected"] is not None else None
    out["outcomes"].append(r)
sys.stdout.write("\n" + cfg["marker"] + json.dumps(out))
"""


@dataclass(frozen=True)
class ProbeLimits:
    case_timeout: float = 2.0
    load_timeout: float = 5.0
    wall_seconds: float = 30.0


def run_cases(
    sandbox: object, code: str, cases: Sequence[Case], limits: ProbeLimits = ProbeLimits()
) -> Evidence:
    """Run ``cases`` against ``code`` in one sandboxed process; never raises for bad candidate code."""
    from sparring.sandbox.types import Limits, Sandbox

    assert isinstance(sandbox, Sandbox)
    marker = "@@sparring-" + secrets.token_hex(8) + "@@"
    cfg = {
        "cases": [c.model_dump() for c in cases],
        "marker": marker,
        "case_timeout": limits.case_timeout,
        "load_timeout": limits.load_timeout,
    }
    execution = sandbox.run(
        [sys.executable, "probe.py"],
        files={"solution.py": code, "probe.py": _PROBE, "probe.json": json.dumps(cfg)},
        limits=Limits(timeout=limits.wall_seconds),
    )
    _, found, payload = execution.stdout.rpartition(marker)
    try:  # anything the candidate prints after the probe's line (an atexit hook) is ignored
        data = json.JSONDecoder().raw_decode(payload)[0] if found else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        reason = f"{execution.verdict}: {execution.stderr.strip()[-300:]}".strip(": ")
        return Evidence(load_error=f"no result from the probe ({reason})", verdict=str(execution.verdict))
    outcomes = [Outcome(case=c, **r) for c, r in zip(cases, data["outcomes"], strict=False)]
    return Evidence(outcomes=outcomes, load_error=data["load_error"], verdict=str(execution.verdict))
