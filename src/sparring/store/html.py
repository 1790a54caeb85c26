"""One recorded run as a single offline HTML page: header and totals, the task, the timeline by step
and node, the final result.

Everything a model or a task wrote is untrusted text: the template (``run.html.j2`` beside this
module) is rendered with autoescaping on and never marks a value safe. The page carries its own
CSS, no script and no external reference; long prompts and replies fold into ``<details>``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from sparring.errors import ConfigError
from sparring.store.runs import export_run
from sparring.store.sqlite import RunStore

LONG_CHARS = 600  # text longer than this (or with more lines than LONG_LINES) is folded
LONG_LINES = 12
PREVIEW_CHARS = 90


@dataclass(frozen=True)
class Value:
    """A payload value ready for the page: ``text`` inline, ``pre`` (code, long text, JSON) or ``list``."""

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()
    long: bool = False
    preview: str = ""


@dataclass(frozen=True)
class MessageItem:
    offset: str
    role: str
    model: str
    tokens: str
    latency: str
    finish: str
    prompt: list[tuple[str, Value]]
    prompt_chars: int
    reply: Value
    choices: list[Value]
    extra: list[tuple[str, Value]]  # error, calls and any field this page does not know
    type: str = "message"


@dataclass(frozen=True)
class EdgeItem:
    offset: str
    to: str
    reason: str
    type: str = "edge"


@dataclass(frozen=True)
class Row:
    cells: list[Value]
    css: str = ""


@dataclass(frozen=True)
class TableItem:
    offset: str
    title: str
    columns: list[str]
    rows: list[Row]
    type: str = "table"


@dataclass(frozen=True)
class FieldsItem:
    offset: str
    title: str
    fields: list[tuple[str, Value]]
    type: str = "fields"


Item = MessageItem | EdgeItem | TableItem | FieldsItem


@dataclass
class Group:
    """The events one step of one node recorded."""

    step: int
    node: str
    offset: str
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class Candidate:
    author: str
    verdict: str
    passed: int
    failed: int
    chosen: bool
    code: Value


@dataclass(frozen=True)
class Page:
    run_id: str
    workflow: str
    status: str
    reason: str
    created: str
    title: str
    task: str
    totals: list[tuple[str, str]]
    by_role: list[tuple[str, int, int, int, int]]  # role, requests, calls, prompt tokens, completion tokens
    groups: list[Group]
    finished: list[tuple[str, Value]]
    code: str
    summary: list[tuple[str, Value]]
    candidates: list[Candidate]
    state: Value | None
    version: str


# -- values -------------------------------------------------------------------------------------


def _scalar(v: object) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _is_scalar(v: object) -> bool:
    return v is None or isinstance(v, str | int | float | bool)


def _long(text: str) -> bool:
    return len(text) > LONG_CHARS or text.count("\n") >= LONG_LINES


def _preview(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1] + "…"


def pre(text: str) -> Value:
    return Value("pre", text, long=_long(text), preview=_preview(text))


def value(v: object) -> Value:
    """Any JSON value as the page shows it."""
    if isinstance(v, str):
        return pre(v) if "\n" in v or len(v) > 160 else Value("text", v)
    if _is_scalar(v):
        return Value("text", _scalar(v))
    if isinstance(v, list) and not v:
        return Value("text", "none")
    if isinstance(v, list) and all(isinstance(x, str | int | float) and "\n" not in str(x) for x in v):
        items = tuple(_scalar(x) for x in v)
        if sum(len(i) for i in items) <= 4 * LONG_CHARS:
            return Value("list", items=items)
    return pre(json.dumps(v, ensure_ascii=False, indent=1, default=str))


def _cell(v: object) -> Value:
    if _is_scalar(v) and len(_scalar(v)) <= 160 and "\n" not in _scalar(v):
        return Value("text", _scalar(v))
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    return Value("pre", text, long=True, preview=_preview(text))


def _fields(payload: Mapping[str, Any], skip: Iterable[str] = ()) -> list[tuple[str, Value]]:
    return [(k, value(v)) for k, v in payload.items() if k not in set(skip)]


# -- the timeline -------------------------------------------------------------------------------


def _seconds(s: float) -> str:
    return f"{s:.2f}s" if s < 10 else f"{s:.1f}s"


def _offset(ts: float, start: float) -> str:
    return f"+{max(ts - start, 0.0):.1f}s"


def _message(payload: Mapping[str, Any], offset: str) -> MessageItem:
    tokens = payload.get("tokens") or {}
    prompt_raw = payload.get("prompt")
    prompt: list[tuple[str, Value]] = []
    chars = 0
    if isinstance(prompt_raw, list):
        for m in prompt_raw:
            if isinstance(m, Mapping) and "content" in m:
                content = m["content"] if isinstance(m["content"], str) else json.dumps(m["content"])
                prompt.append((str(m.get("role", "?")), Value("pre", content)))
                chars += len(content)
            else:
                text = json.dumps(m, ensure_ascii=False, default=str)
                prompt.append(("?", Value("pre", text)))
                chars += len(text)
    elif prompt_raw is not None:
        text = prompt_raw if isinstance(prompt_raw, str) else json.dumps(prompt_raw, ensure_ascii=False)
        prompt.append(("prompt", Value("pre", text)))
        chars += len(text)
    reply = str(payload.get("reply") or "")
    choices = [str(c) for c in payload.get("choices") or ()]
    if choices and choices[0] == reply:
        choices = choices[1:]  # the first choice is the reply itself
    known = {"role", "model", "prompt", "reply", "tokens", "latency", "finish_reason", "choices"}
    latency = payload.get("latency")
    return MessageItem(
        offset=offset,
        role=str(payload.get("role") or "?"),
        model=str(payload.get("model") or "?"),
        tokens=f"{tokens.get('prompt', '?')} + {tokens.get('completion', '?')} tokens",
        latency=_seconds(latency) if isinstance(latency, int | float) else "",
        finish=str(payload.get("finish_reason") or ""),
        prompt=prompt,
        prompt_chars=chars,
        reply=Value("pre", reply) if reply else Value("text", "(empty reply)"),
        choices=[Value("pre", c, preview=_preview(c)) for c in choices],
        extra=_fields(payload, skip=known),
    )


def _table(title: str, payloads: Sequence[Mapping[str, Any]], offset: str) -> TableItem:
    columns: list[str] = []
    for p in payloads:
        columns += [k for k in p if k != "tool" and k not in columns]
    columns = [c for c in columns if any(p.get(c) is not None for p in payloads)]  # drop empty columns
    rows = []
    for p in payloads:
        css = ""
        if isinstance(p.get("failed"), int) and isinstance(p.get("passed"), int):
            css = "pass" if p["failed"] == 0 and p["passed"] > 0 else "fail"
        rows.append(Row([_cell(p.get(c)) for c in columns], css))
    return TableItem(offset, title, columns, rows)


def _items(events: Sequence[Mapping[str, Any]], start: float) -> list[Item]:
    items: list[Item] = []
    i = 0
    while i < len(events):
        e = events[i]
        kind, payload, offset = e["kind"], e["payload"] or {}, _offset(e["ts"], start)
        if kind == "message":
            items.append(_message(payload, offset))
        elif kind == "edge":
            items.append(EdgeItem(offset, str(payload.get("to")), str(payload.get("reason") or "")))
        elif kind == "tool":
            tool = payload.get("tool")
            same = [payload]
            while (
                i + 1 < len(events)
                and events[i + 1]["kind"] == "tool"
                and (events[i + 1]["payload"] or {}).get("tool") == tool
            ):
                i += 1
                same.append(events[i]["payload"] or {})
            items.append(_table(f"tool · {tool}", same, offset))
        elif kind == "run.created":
            items.append(FieldsItem(offset, kind, _fields(payload, skip=("task",))))
        else:
            items.append(FieldsItem(offset, kind, _fields(payload)))
        i += 1
    return items


def _groups(events: Sequence[Mapping[str, Any]], start: float) -> list[Group]:
    ordered = sorted(events, key=lambda e: (e["step"], e["seq"]))
    runs: list[tuple[int, str, list[Mapping[str, Any]]]] = []
    for e in ordered:
        node = e["node"] or ("start" if e["step"] == 0 else "-")
        if runs and runs[-1][0] == e["step"] and runs[-1][1] == node:
            runs[-1][2].append(e)
        else:
            runs.append((e["step"], node, [e]))
    return [Group(step, node, _offset(evs[0]["ts"], start), _items(evs, start)) for step, node, evs in runs]


# -- header and final result --------------------------------------------------------------------


def _totals(
    events: Sequence[Mapping[str, Any]], wall: float | None
) -> tuple[list[tuple[str, str]], list[tuple[str, int, int, int, int]]]:
    by_role: dict[str, list[int]] = {}
    for e in events:
        if e["kind"] != "message":
            continue
        p = e["payload"]
        tokens = p.get("tokens") or {}
        r = by_role.setdefault(str(p.get("role") or "?"), [0, 0, 0, 0])
        r[0] += 1
        r[1] += int(p.get("calls", 1) or 1)
        r[2] += int(tokens.get("prompt", 0) or 0)
        r[3] += int(tokens.get("completion", 0) or 0)
    calls = sum(r[1] for r in by_role.values())
    prompt = sum(r[2] for r in by_role.values())
    completion = sum(r[3] for r in by_role.values())
    totals = [
        ("model calls", f"{calls:,}"),
        ("tokens", f"{prompt:,} prompt + {completion:,} completion = {prompt + completion:,}"),
        ("events", f"{len(events):,}"),
    ]
    if wall is not None:
        totals.append(("wall time", _seconds(wall)))
    return totals, [(k, v[0], v[1], v[2], v[3]) for k, v in sorted(by_role.items())]


_SUMMARY = (  # the final state's fields worth a line of their own, in reading order
    "passed", "accepted", "confidence", "agreement", "round", "widened", "rescued", "tests_designed",
    "reproduced", "repro_path", "applied", "outcome", "touched", "broken", "feedback", "tests",
    "dropped_tests", "static_findings", "reflections",
)  # fmt: skip


def _summary(result: Mapping[str, Any]) -> list[tuple[str, Value]]:
    state = result.get("state") or {}
    out: list[tuple[str, Value]] = []
    evidence = result.get("evidence")
    if isinstance(evidence, Mapping):
        out += _fields(evidence)
    for key in _SUMMARY:
        if key not in state:
            continue
        v = state[key]
        if key == "tests" and isinstance(v, list):
            v = [_as_assert(c) for c in v]
        elif key == "dropped_tests" and isinstance(v, list):
            v = [f"{d.get('test')}  — {d.get('reason')}" if isinstance(d, Mapping) else d for d in v]
        if key == "feedback" and not v:
            continue
        out.append((key, value(v)))
    return out


def _as_assert(case: object) -> object:
    if isinstance(case, Mapping) and "call" in case:
        expected = case.get("expected")
        return f"assert {case['call']} == {expected}" if expected is not None else str(case["call"])
    return case


def _candidates(state: Mapping[str, Any]) -> list[Candidate]:
    out = []
    final = state.get("code")
    for c in state.get("candidates") or []:
        if not isinstance(c, Mapping):
            continue
        ev = c.get("evidence") or {}
        outcomes = [o for o in ev.get("outcomes") or [] if isinstance(o, Mapping)]
        passed = sum(1 for o in outcomes if o.get("passed") is True)
        failed = sum(
            1
            for o in outcomes
            if o.get("passed") is False
            or (o.get("error") and (o.get("case") or {}).get("expected") is not None)
        )
        verdict = ev.get("load_error") or ev.get("verdict") or ("not run" if not ev else "?")
        code = str(c.get("code") or "")
        out.append(
            Candidate(str(c.get("author") or "?"), str(verdict), passed, failed, code == final, pre(code))
        )
    return out


def page_of(export: Mapping[str, Any], wall: float | None = None) -> Page:
    """The page's content from ``export_run``'s document (and the run's wall time when known)."""
    from sparring import __version__  # not at import time: the package imports this module

    run, events, result = export["run"], export["events"], export.get("result") or {}
    start = float(run["created"])
    state = result.get("state") or {}
    totals, by_role = _totals(events, wall)
    finished = [(k, value(result[k])) for k in ("status", "reason", "steps") if k in result]
    code = state.get("code") if isinstance(state.get("code"), str) else ""
    return Page(
        run_id=str(run["run_id"]),
        workflow=str(run["workflow"]),
        status=str(run["status"]),
        reason=str(result.get("reason") or "-"),
        created=datetime.fromtimestamp(start, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        title=str(run.get("title") or ""),
        task=str(run.get("task") or ""),
        totals=totals,
        by_role=by_role,
        groups=_groups(events, start),
        finished=finished,
        code=code or "",
        summary=_summary(result),
        candidates=_candidates(state),
        state=pre(json.dumps(state, ensure_ascii=False, indent=1, default=str)) if state else None,
        version=__version__,
    )


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    source = resources.files("sparring.store").joinpath("run.html.j2").read_text(encoding="utf-8")
    return env.from_string(source)


def render_page(page: Page) -> str:
    return _template().render(page=page)


def render_run(store: RunStore, run_id: str) -> str:
    """The run ``run_id`` as one self-contained HTML page (raises ``ConfigError`` for an unknown run)."""
    export = export_run(store, run_id)
    try:
        wall: float | None = store.last_checkpoint(run_id).elapsed
    except ConfigError:
        run = export["run"]
        wall = float(run["updated"]) - float(run["created"])
    return render_page(page_of(export, wall))


def write_run_html(store: RunStore, run_id: str, path: str | Path) -> Path:
    """Render the run and write it to ``path``; nothing is written when the run is unknown."""
    html = render_run(store, run_id)
    target = Path(path)
    try:
        target.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
