"""The scoring harness that runs inside the sandbox: stdlib only, never imported by sparring itself.

``python harness.py job.json`` loads ``solution.py`` as a module (its ``__main__`` block does not run)
and, by the job's ``mode``:

- ``base``: runs the dataset's own test code and calls ``check(<entry point>)``;
- ``plus``: calls the entry point on every input, each under its own time limit, and compares the
  output with the expected (canonical) one as EvalPlus does, stopping at the first failure;
- ``record``: runs the canonical solution on every input and records each output and its duration.

All inputs of a task run in this one process. The candidate's own stdout/stderr go to /dev/null;
the result is one line ``SPARRING-RESULT <json>`` on the original stdout.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import time
import traceback
from typing import Any

MARKER = "SPARRING-RESULT "


class HarnessTimeout(BaseException):
    """Raised by the alarm; a BaseException so a candidate's ``except Exception`` does not swallow it."""


def _on_alarm(signum: int, frame: object) -> None:
    raise HarnessTimeout()


def _call_with_limit(seconds: float, fn: Any, *args: Any) -> Any:
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        return fn(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def encode(value: Any) -> Any:
    """JSON that keeps Python types apart: lists stay lists, other containers are tagged objects."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4096:
        return {"int": hex(value)}  # decimal text of huge ints is refused by json.loads on the host
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, tuple):
        return {"tuple": [encode(item) for item in value]}
    if isinstance(value, set | frozenset):
        tag = "set" if isinstance(value, set) else "frozenset"
        return {tag: [encode(item) for item in value]}
    if isinstance(value, dict):
        return {"dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    raise TypeError(f"cannot record an output of type {type(value).__name__}")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    ((tag, body),) = value.items()
    if tag == "tuple":
        return tuple(decode(item) for item in body)
    if tag == "set":
        return {decode(item) for item in body}
    if tag == "frozenset":
        return frozenset(decode(item) for item in body)
    if tag == "dict":
        return {decode(k): decode(v) for k, v in body}
    if tag == "int":
        return int(body, 16)
    return bytes.fromhex(body)


def _is_floats(value: Any) -> bool:
    if isinstance(value, float):
        return True
    return isinstance(value, list | tuple) and bool(value) and all(isinstance(v, float) for v in value)


def _allclose(out: Any, exp: Any, atol: float, rtol: float = 1e-7) -> bool:
    if isinstance(exp, list | tuple):
        if type(out) is not type(exp) or len(out) != len(exp):
            return False
        return all(_allclose(o, e, atol, rtol) for o, e in zip(out, exp, strict=True))
    if not isinstance(out, int | float) or not isinstance(exp, int | float):
        return False
    return math.isfinite(out) and abs(out - exp) <= atol + rtol * abs(exp)


def _poly(coefficients: list[float], x: float) -> float:
    return sum(c * x**i for i, c in enumerate(coefficients))


def matches(out: Any, exp: Any, atol: float, special: str | None, args: list[Any]) -> bool:
    """EvalPlus's comparison: exact equality, else ``allclose`` with ``atol`` for float outputs."""
    if special == "find_zero":  # any root is right, so check the polynomial, not the canonical root
        return isinstance(out, int | float) and abs(_poly(args[0], out)) <= atol
    try:
        exact = bool(out == exp)
    except Exception:
        exact = False
    if atol == 0 and _is_floats(exp):
        atol = 1e-6
    if not exact and atol != 0:
        if type(out) is not type(exp):
            return False
        return _allclose(out, exp, atol)
    return exact


def _load(code: str, seconds: float) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "solution", "__file__": "solution.py"}
    _call_with_limit(seconds, exec, compile(code, "solution.py", "exec"), namespace)
    return namespace


def _base(job: dict[str, Any], ns: dict[str, Any]) -> dict[str, Any]:
    exec(compile(job["test"], "hidden_test.py", "exec"), ns)
    _call_with_limit(job["timeout"], ns["check"], ns[job["entry_point"]])
    return {"passed": True}


def _plus(job: dict[str, Any], ns: dict[str, Any]) -> dict[str, Any]:
    fn = ns[job["entry_point"]]
    inputs, limits = job["inputs"], job["limits"]
    expected = [decode(item) for item in job["expected"]]
    for index, args in enumerate(inputs):
        try:
            out = _call_with_limit(limits[index], fn, *args)
            ok = matches(out, expected[index], job["atol"], job.get("special"), args)
            reason = "wrong output"
        except HarnessTimeout:
            ok, reason = False, f"timeout after {limits[index]:.2f}s"
        except BaseException as exc:
            ok, reason = False, f"{type(exc).__name__}: {exc}"[:300]
        if not ok:
            return {
                "passed": False,
                "checked": index + 1,
                "total": len(inputs),
                "index": index,
                "reason": reason,
            }
    return {"passed": True, "checked": len(inputs), "total": len(inputs)}


def _record(job: dict[str, Any], ns: dict[str, Any]) -> dict[str, Any]:
    fn = ns[job["entry_point"]]
    outputs: list[Any] = []
    seconds: list[float] = []
    for args in job["inputs"]:
        start = time.perf_counter()
        try:
            outputs.append({"ok": encode(_call_with_limit(job["timeout"], fn, *args))})
        except BaseException as exc:
            outputs.append({"error": f"{type(exc).__name__}: {exc}"[:300]})
        seconds.append(time.perf_counter() - start)
    return {"outputs": outputs, "seconds": seconds}


def main(job_path: str) -> None:
    with open(job_path, encoding="utf-8") as fh:
        job = json.load(fh)
    with open("solution.py", encoding="utf-8") as fh:
        code = fh.read()
    os.unlink(job_path)  # the expected outputs are not left lying around for the candidate to read
    result_fd = os.dup(1)
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(quiet, fd)
    signal.signal(signal.SIGALRM, _on_alarm)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    try:
        namespace = _load(code, job["timeout"])
        run = {"base": _base, "plus": _plus, "record": _record}[job["mode"]]
        result = run(job, namespace)
    except HarnessTimeout:
        result = {"passed": False, "reason": f"timeout after {job['timeout']}s"}
    except BaseException as exc:
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        result = {"passed": False, "reason": last[:500]}
    try:
        text = json.dumps(result)
    except BaseException as exc:
        text = json.dumps({"passed": False, "reason": f"cannot report the result: {exc}"[:500]})
    data = (MARKER + text + "\n").encode()
    while data:
        data = data[os.write(result_fd, data) :]
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1])
