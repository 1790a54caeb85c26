"""The script that runs the red team's hypothesis properties inside the sandbox.

Copied into the sandbox as ``property_probe.py`` next to ``solution.py`` (the candidate) and
``properties.json`` (the properties, their bindings to the spec's examples, the settings); it
prints one JSON object after a marker. It imports only the standard library and hypothesis, which
the sandbox's read-only venv provides. ``sparring.properties`` owns the host side and the meaning
of each status; this file only executes and classifies.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import signal
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from types import FrameType, TracebackType
from typing import Any

import hypothesis
from hypothesis import errors as hyp_errors
from hypothesis import strategies as st

SOLUTION = "solution.py"


class _Timeout(BaseException):
    """The per-property (or per-example) time limit ran out."""


class _Unknown(Exception):
    """The oracle was asked about an input the spec's examples do not answer."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout()


def _limit(seconds: float) -> None:
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _value(src: str) -> Any:
    return eval(src, {"__builtins__": __builtins__, "math": math})


def _short(value: object) -> str:
    return repr(value)[:300]


def _arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    return ", ".join([_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()])


class Oracle:
    """The specification as a function: the expected value of each of its examples, nothing else."""

    def __init__(self, entry_point: str, examples: list[dict[str, str]]) -> None:
        def capture(*args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
            return args, kwargs

        self.table = []
        for e in examples:
            with contextlib.suppress(Exception):  # an example the oracle cannot read answers nothing
                args, kwargs = eval(
                    e["call"], {"__builtins__": __builtins__, "math": math, entry_point: capture}
                )
                self.table.append((args, kwargs, e["expected"]))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for e_args, e_kwargs, expected in self.table:
            if _same(args, e_args) and _same(kwargs, e_kwargs):
                return _value(expected)  # a fresh copy: the property may mutate what it gets
        raise _Unknown()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(type(x) is type(y) and x == y for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


class Recorder:
    """The candidate, wrapped: the calls of the current example and what each did."""

    def __init__(self, name: str, fn: Callable[..., Any]) -> None:
        self.name, self.fn = name, fn
        self.calls: list[list[str]] = []
        self.started = 0.0  # when the latest call began

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        text = f"{self.name}({_arguments(args, kwargs)})"  # before the call, which may mutate them
        self.started = time.monotonic()
        try:
            out = self.fn(*args, **kwargs)
        except BaseException as exc:
            what = "did not answer in time" if isinstance(exc, _Timeout) else f"raised {type(exc).__name__}"
            self.calls.append([text, what])
            raise
        self.calls.append([text, f"returned {_short(out)}"])
        return out


def _from_candidate(tb: TracebackType | None) -> bool:
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == SOLUTION:
            return True
        tb = tb.tb_next
    return False


def _namespace(entry_point: str) -> dict[str, Any]:
    return {
        "__name__": "red_team_property",
        "given": hypothesis.given,
        "assume": hypothesis.assume,
        "example": hypothesis.example,
        "st": st,
        "strategies": st,
        "hypothesis": hypothesis,
        entry_point: None,
    }


def referee(
    inner: Callable[..., Any], bindings: list[dict[str, Any]], seconds: float
) -> dict[str, str] | None:
    """Run the property's body on each spec example it binds to, with the oracle as the function.
    A failed assertion there contradicts the spec; any other error is the property's own crash."""
    for b in bindings:
        try:
            kwargs = {k: _value(v) for k, v in b["kwargs"].items()}
            _limit(seconds)
            inner(**kwargs)
            _limit(0)
        except (_Unknown, hyp_errors.HypothesisException):
            _limit(0)
            continue  # the example cannot judge this property (another input, assume(), note() ...)
        except AssertionError as exc:
            _limit(0)
            return {"status": "contradicts", "detail": f"fails on the spec's example {b['example']}: {exc}"}
        except _Timeout:
            return {"status": "invalid", "detail": f"does not finish on the spec's example {b['example']}"}
        except Exception as exc:
            _limit(0)
            detail = f"raises {type(exc).__name__}: {exc} on the spec's example {b['example']}"
            return {"status": "invalid", "detail": detail[:400]}
    return None


def attack(test: Any, inner: Callable[..., Any], recorder: Recorder, cfg: dict[str, Any]) -> dict[str, Any]:
    """Run the property against the candidate with hypothesis: bounded, with a deadline, derandomized."""
    state: dict[str, Any] = {"input": ""}

    @functools.wraps(inner)
    def one_example(*args: Any, **kwargs: Any) -> Any:
        recorder.calls = []
        state["input"] = _arguments(args, kwargs)
        return inner(*args, **kwargs)

    # Hypothesis looks up ``.hypothesis.inner_test`` to run each example, and keeps it reassignable
    # for wrappers like this one. The last example it runs before raising is the minimal failing one
    # (its final replay), so ``state`` and ``recorder`` then describe that input.
    test.hypothesis.inner_test = one_example
    bounded = hypothesis.settings(
        max_examples=cfg["max_examples"],
        deadline=timedelta(milliseconds=cfg["deadline_ms"]),
        derandomize=True,  # the same examples in the same order on every run: reproducible verdicts
        database=None,
        report_multiple_bugs=False,
        print_blob=False,
        suppress_health_check=list(hypothesis.HealthCheck),
    )(test)
    try:
        _limit(cfg["seconds"])
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            bounded()
        _limit(0)
        return {"status": "held"}
    except _Timeout:
        last = recorder.calls[-1] if recorder.calls else None
        stuck = time.monotonic() - recorder.started
        # Out of time inside one call that already took longer than the deadline: that input hangs
        # (or is that slow). Out of time otherwise (many calls, each within the deadline): no verdict.
        if last and last[1] == "did not answer in time" and stuck * 1000 >= cfg["deadline_ms"]:
            return _broken(state, recorder, f"no answer within {stuck:.0f} s")
        return {"status": "no_verdict", "detail": f"no verdict within {cfg['seconds']} s"}
    except BaseException as exc:
        _limit(0)
        return _classify(exc, state, recorder, cfg)


def _classify(
    exc: BaseException, state: dict[str, Any], recorder: Recorder, cfg: dict[str, Any]
) -> dict[str, Any]:
    what = f"{type(exc).__name__}: {exc}".strip()[:400]
    if isinstance(exc, hyp_errors.DeadlineExceeded):
        return _broken(state, recorder, f"slower than the {cfg['deadline_ms']} ms deadline")
    if isinstance(exc, hyp_errors.Flaky):
        return {"status": "no_verdict", "detail": f"flaky: {what}"}
    if not recorder.calls:  # it failed without calling the function: the property's own fault
        return {"status": "invalid", "detail": f"fails without calling the function: {what}"}
    if isinstance(exc, AssertionError) or _from_candidate(exc.__traceback__):
        return _broken(state, recorder, what)
    return {"status": "invalid", "detail": f"the property itself raises {what}"}


def _broken(state: dict[str, Any], recorder: Recorder, what: str) -> dict[str, Any]:
    return {"status": "broken", "detail": what, "input": state["input"], "calls": recorder.calls[-3:]}


def run_one(prop: dict[str, Any], cfg: dict[str, Any], candidate: Callable[..., Any]) -> dict[str, Any]:
    entry = cfg["entry_point"]
    ns = _namespace(entry)
    try:
        _limit(cfg["load_seconds"])
        exec(compile(prop["source"], f"<property {prop['name']}>", "exec"), ns)
        _limit(0)
    except BaseException as exc:
        _limit(0)
        return {"status": "invalid", "detail": f"does not load: {type(exc).__name__}: {exc}"[:400]}
    test = ns.get(prop["name"])
    inner = getattr(getattr(test, "hypothesis", None), "inner_test", None)
    if inner is None:
        return {"status": "invalid", "detail": "not a @given property"}
    ns[entry] = Oracle(entry, cfg["examples"])
    verdict = referee(inner, prop["bindings"], cfg["load_seconds"])
    if verdict is not None:
        return verdict
    recorder = Recorder(entry, candidate)
    ns[entry] = recorder
    return attack(test, inner, recorder, cfg)


def main() -> None:
    with open("properties.json", encoding="utf-8") as f:
        cfg = json.load(f)
    signal.signal(signal.SIGALRM, _alarm)
    out: dict[str, Any] = {"load_error": None, "results": []}
    ns: dict[str, Any] = {"__name__": "solution"}
    try:
        _limit(cfg["load_seconds"])
        with contextlib.redirect_stdout(io.StringIO()), open(SOLUTION, encoding="utf-8") as src:
            exec(compile(src.read(), SOLUTION, "exec"), ns)
        _limit(0)
        candidate = ns[cfg["entry_point"]]
    except BaseException as exc:
        _limit(0)
        out["load_error"] = f"{type(exc).__name__}: {exc}"[:300]
    if out["load_error"] is None:
        out["results"] = [run_one(p, cfg, candidate) for p in cfg["properties"]]
    sys.stdout.write("\n" + cfg["marker"] + json.dumps(out))


if __name__ == "__main__":
    main()
