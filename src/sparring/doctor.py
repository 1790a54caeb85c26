"""``sparring doctor``: will this model, and this machine's sandbox, work with sparring?

Small and local models fail agent frameworks quietly: no code fence, JSON that does not parse, stop
sequences ignored, a server that reports no token usage (so budgets cannot work), no sandbox. Each of
those is one named check here, run in order with token limits small enough that the whole diagnosis
should take under a minute on a 1.5B model on a CPU:

    sandbox   a backend runs ``python -c "print(1)"`` with no network
    reply     one short completion: text, finish reason, token usage, latency, tokens/second
    code      the built-in coder role writes ``add(a, b)``; the extracted code passes two asserts
    json      a schema-constrained answer validates (repairs allowed; the value is reported apart)
    choices   n=3 sampled choices come back (one request, or one per choice)
    stop      a stop sequence ends the reply before the stop string

Every check ends ``pass``, ``fail`` or ``skip`` with one line saying why. If the model cannot be
opened or answer at all, ``reply`` fails with that error and every later model check is skipped.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from sparring.errors import ConfigError, MalformedOutput, SandboxError, SparringError, TruncatedOutput
from sparring.extract import defines, fenced_code, solution_from_reply
from sparring.llm import Model, RetryPolicy, open_model
from sparring.llm.local import LocalBackend, load_engine
from sparring.roles import builtin_roles
from sparring.sandbox import BwrapSandbox, ContainerSandbox, Limits, Sandbox, Verdict, open_sandbox
from sparring.tasks import task_from_source

Status = Literal["pass", "fail", "skip"]
Outcome = tuple[Status, str]

UNREACHABLE = "model unreachable"

# A doctor should answer fast: one retry of a transient failure, with a short pause.
RETRY = RetryPolicy(max_retries=1, base_delay=0.5, max_delay=2.0)

REPLY_TOKENS = 16
CODE_TOKENS = 256
JSON_TOKENS = 32
CHOICE_TOKENS = 8
STOP_TOKENS = 40


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome: ``pass``, ``fail`` or ``skip``, a one-line detail, and the seconds it took."""

    name: str
    status: Status
    detail: str
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "seconds": round(self.seconds, 2),
        }


@dataclass(frozen=True)
class Report:
    """Every check of one model, in order."""

    model: str
    checks: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if c.status == "fail"]

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "checks": [c.as_dict() for c in self.checks], "ok": self.ok}


@dataclass
class Subject:
    """What the checks look at: the model (or the one line saying why it cannot be used) and the
    sandbox (given, or opened by the ``sandbox`` check; ``None`` when no backend can run code)."""

    name: str
    model: Model | None
    unreachable: str = ""
    sandbox: Sandbox | None = None


@dataclass(frozen=True)
class Check:
    """A named check. ``needs_reply``: skipped once the model proved unreachable."""

    name: str
    run: Callable[[Subject], Outcome]
    needs_reply: bool = True


def one_line(text: str, limit: int = 240) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _shown(text: str, limit: int = 40) -> str:
    """A reply as a short quoted snippet."""
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(short)


# --- sandbox -------------------------------------------------------------------------------------

_SANDBOX_PROBE = """\
print(1)
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.connect(("192.0.2.1", 9))  # a documentation address; a UDP connect sends nothing
    print("network")
except OSError:
    print("no network")
"""


def _isolating_backends_reasons() -> str:
    """Why bwrap, docker and podman do not work here (only asked when the fallback was chosen)."""
    reports = [
        BwrapSandbox().report(),
        ContainerSandbox("docker").report(),
        ContainerSandbox("podman").report(),
    ]
    return "; ".join(f"{r.name}: {one_line(r.reason, 80)}" for r in reports if not r.available)


def check_sandbox(subject: Subject) -> Outcome:
    """A backend opens and runs ``python -c "print(1)"`` with no network."""
    sandbox = subject.sandbox
    if sandbox is None:
        try:
            sandbox = open_sandbox()
        except SandboxError as exc:
            return "fail", f"no sandbox backend works here: {one_line(str(exc))}"
    run = sandbox.run([sys.executable, "-c", _SANDBOX_PROBE], limits=Limits(timeout=20))
    lines = run.stdout.split()
    if not run.ok or not lines or lines[0] != "1":
        subject.sandbox = None
        why = one_line(run.stderr.strip().splitlines()[-1]) if run.stderr.strip() else run.verdict.value
        return "fail", f"{sandbox.name} could not run python: {why}"
    subject.sandbox = sandbox  # it runs code: the code check uses it even when it is not isolated
    if "no network" not in run.stdout:
        reasons = _isolating_backends_reasons() if sandbox.name == "process" else ""
        return "fail", (
            f"{sandbox.name} runs python but the code can reach the network"
            + (" and the host's files" if sandbox.name == "process" else "")
            + (f" (no isolating backend works: {reasons})" if reasons else "")
            + "; install bubblewrap, docker or podman"
        )
    note = (
        " (no filesystem isolation: install bubblewrap, docker or podman)"
        if sandbox.name == "process"
        else ""
    )
    return "pass", f"{sandbox.name}: runs python, no network{note}"


# --- reply ---------------------------------------------------------------------------------------


def check_reply(subject: Subject) -> Outcome:
    """One short completion: text, finish reason, usage reported, latency and tokens per second. Any
    error here means the model cannot be used at all: the later model checks are skipped."""
    model = subject.model
    if model is None:
        return "fail", subject.unreachable
    loaded = ""
    try:
        backend = model.backend
        if isinstance(backend, LocalBackend):  # load the weights first: not part of the reply's latency
            started = time.monotonic()
            load_engine(backend.path, backend.settings)
            loaded = f"loaded in {time.monotonic() - started:.1f} s · "
        reply = model.complete(
            "Reply with the single word OK.", max_tokens=REPLY_TOKENS, allow_truncated=True, role="doctor"
        )
    except SparringError as exc:
        subject.unreachable = one_line(str(exc))
        return "fail", subject.unreachable
    usage = reply.usage
    speed = f"{usage.completion_tokens / reply.latency:.0f} tokens/s" if reply.latency >= 0.01 else "instant"
    facts = (
        f"{loaded}{_shown(reply.text.strip(), 24)} · finish {reply.finish_reason} · "
        f"{usage.prompt_tokens}+{usage.completion_tokens} tokens · {reply.latency:.1f} s · {speed}"
    )
    if not reply.text.strip():
        return "fail", f"empty reply (finish {reply.finish_reason}, {usage.completion_tokens} tokens)"
    if usage.prompt_tokens <= 0 or usage.completion_tokens <= 0:
        return "fail", (
            f"the server reports no token usage ({usage.prompt_tokens} prompt, {usage.completion_tokens} "
            "completion): token budgets and cost accounting cannot work with it"
        )
    if reply.finish_reason == "length":
        facts += f" (cut off at {REPLY_TOKENS} tokens: a chatty model costs more)"
    elif "ok" not in reply.text.lower():
        facts += " (not the OK asked for; only the transport is checked here)"
    return "pass", facts


# --- code ----------------------------------------------------------------------------------------

_ADD = '''def add(a, b):
    """Return the sum of a and b.
    >>> add(2, 3)
    5
    """
'''

_ADD_CHECK = """\
from solution import add

assert add(2, 3) == 5, f"add(2, 3) returned {add(2, 3)!r}, expected 5"
assert add(-4, 10) == 6, f"add(-4, 10) returned {add(-4, 10)!r}, expected 6"
print("ok")
"""


def check_code(subject: Subject) -> Outcome:
    """The built-in coder role writes ``add(a, b)``; the code is extracted as the workflows do and must
    pass two asserts in the sandbox."""
    assert subject.model is not None
    task = task_from_source(_ADD, task_id="doctor/add")
    role = builtin_roles()["coder"]
    messages = role.messages(task=task, plan="", lessons=[], previous="", feedback="", reflections=[])
    reply = subject.model.complete(
        messages,
        temperature=role.temperature,
        max_tokens=CODE_TOKENS,
        allow_truncated=True,
        role="doctor",
    )
    cut = f" (reply cut off at {CODE_TOKENS} tokens)" if reply.finish_reason == "length" else ""
    if not fenced_code(reply.text) and not defines(reply.text, task.entry_point):
        return "fail", f"no code block found in the reply: {_shown(reply.text.strip())}{cut}"
    code = solution_from_reply(task.prompt, task.entry_point, reply.text)
    sandbox = subject.sandbox
    if sandbox is None:
        return "skip", f"code found but not run: no working sandbox{cut}"
    run = sandbox.run(
        [sys.executable, "check.py"],
        files={"solution.py": code, "check.py": _ADD_CHECK},
        limits=Limits(timeout=10),
    )
    if run.ok and run.stdout.strip().endswith("ok"):
        return "pass", f"wrote add(a, b); both asserts pass in the sandbox{cut}"
    if run.verdict is Verdict.SETUP_ERROR:
        return "fail", f"the sandbox could not run the code: {one_line(run.stderr)}"
    last = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else run.verdict.value
    if last.startswith("AssertionError"):
        return "fail", f"wrong result: {one_line(last.partition(':')[2]) or 'an assert failed'}{cut}"
    if run.verdict is Verdict.TIMEOUT:
        last = "it did not finish in 10 s"
    return "fail", f"the code does not run: {one_line(last)}{cut}"


# --- json ----------------------------------------------------------------------------------------


class Answer(BaseModel):
    """The structured answer the json check asks for."""

    answer: int


def check_json(subject: Subject) -> Outcome:
    """A schema-constrained answer must validate (repairs allowed). Only the form decides; whether the
    value is right is reported beside it."""
    assert subject.model is not None
    try:
        reply = subject.model.complete(
            'What is 2 + 3? Answer with a JSON object of the form {"answer": <integer>}.',
            schema=Answer,
            max_tokens=JSON_TOKENS,
            role="doctor",
        )
    except TruncatedOutput as exc:
        return "fail", f"no complete JSON object within {JSON_TOKENS} tokens: {_shown(exc.partial)}"
    except MalformedOutput as exc:
        return "fail", f"{one_line(str(exc))}; last reply {_shown(exc.last_text)}"
    assert isinstance(reply.parsed, Answer)
    value = reply.parsed.answer
    repairs = reply.requests - 1
    tries = (
        f"{reply.requests} requests ({repairs} repair{'s' if repairs > 1 else ''})"
        if repairs
        else "1 request"
    )
    verdict = "value right" if value == 5 else "value wrong (2 + 3 = 5), but only the form is checked"
    return "pass", f'well-formed {{"answer": {value}}} in {tries}; {verdict}'


# --- choices -------------------------------------------------------------------------------------


def check_choices(subject: Subject) -> Outcome:
    """Three sampled choices of one prompt come back; the detail says how many requests they took."""
    assert subject.model is not None
    reply = subject.model.complete(
        "Name one colour. Reply with the word only.",
        n=3,
        temperature=0.8,
        seed=1,
        max_tokens=CHOICE_TOKENS,
        allow_truncated=True,
        role="doctor",
    )
    texts = reply.choices or (reply.text,)
    if len(texts) != 3:
        return "fail", f"asked for 3 choices, got {len(texts)}"
    distinct = len({t.strip() for t in texts})
    how = (
        "in 1 request (the backend samples several natively: the prompt is paid once)"
        if reply.requests == 1
        else f"in {reply.requests} requests (one per choice: each pays for the prompt)"
    )
    return "pass", f"3 choices {how}; {distinct} distinct"


# --- stop ----------------------------------------------------------------------------------------


def check_stop(subject: Subject) -> Outcome:
    """Counting 1..10 with ``stop=["5"]``: the reply must not contain the stop string."""
    assert subject.model is not None
    reply = subject.model.complete(
        "Count from 1 to 10, one number per line, nothing else.",
        stop=["5"],
        max_tokens=STOP_TOKENS,
        allow_truncated=True,
        role="doctor",
    )
    text = reply.text
    if "5" in text:
        return "fail", f"the reply goes past the stop string '5' (stop sequences ignored): {_shown(text)}"
    if "4" not in text:
        return (
            "pass",
            f"no '5' in the reply, but it never counted to 4, so the stop was barely tested: {_shown(text)}",
        )
    return "pass", f"stopped before '5': {_shown(text)}"


CHECKS: tuple[Check, ...] = (
    Check("sandbox", check_sandbox, needs_reply=False),
    Check("reply", check_reply, needs_reply=False),
    Check("code", check_code),
    Check("json", check_json),
    Check("choices", check_choices),
    Check("stop", check_stop),
)
"""The checks, in the order they run."""


def subject_for(spec: str) -> Subject:
    """The subject a model spec names, its response cache off (a doctor measures the model itself).
    A mistake in the spec raises ``ConfigError``; a model that cannot be opened (file missing, fetch
    failed) is recorded, and the ``reply`` check reports it."""
    try:
        model = open_model(spec, use_cache=False)
    except ConfigError:
        raise
    except SparringError as exc:
        return Subject(spec, None, unreachable=one_line(str(exc)))
    return Subject(spec, dataclasses.replace(model, retry=RETRY))


def diagnose(
    target: str | Model | Subject,
    *,
    sandbox: Sandbox | None = None,
    checks: Sequence[Check] = CHECKS,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Run ``checks`` on a model (a spec, a ``Model`` or a prepared ``Subject``). ``sandbox`` is the one
    to check (default: ``open_sandbox()``). ``progress`` hears each check's name before it runs."""
    if isinstance(target, Subject):
        subject = target
    elif isinstance(target, str):
        subject = subject_for(target)
    else:
        subject = Subject(target.name, dataclasses.replace(target, retry=RETRY))
    if sandbox is not None:
        subject.sandbox = sandbox
    results: list[CheckResult] = []
    for check in checks:
        if check.needs_reply and (subject.unreachable or subject.model is None):
            results.append(CheckResult(check.name, "skip", UNREACHABLE))
            continue
        if progress is not None:
            progress(check.name)
        started = time.monotonic()
        try:
            status, detail = check.run(subject)
        except SparringError as exc:
            status, detail = "fail", one_line(str(exc))
        results.append(CheckResult(check.name, status, detail, time.monotonic() - started))
    return Report(subject.name, tuple(results))


__all__ = [
    "CHECKS",
    "Answer",
    "Check",
    "CheckResult",
    "Report",
    "Subject",
    "diagnose",
    "one_line",
    "subject_for",
]
