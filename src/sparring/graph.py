"""The cyclic state graph every workflow runs on, and its runner with checkpoints and resume.

A workflow is a ``Graph``: named nodes that turn the workflow's state (a pydantic model) into the
next one, and edges that name the next node — a fixed name, or a plain function of the state that
returns a name or ``(name, reason)``. Cycles are the normal case; the guards bound them.

The runner executes one node at a time. What a node records through its ``RunContext`` is buffered
and committed together with the edge it led to and the checkpoint after it, in one transaction. A
run killed at any point therefore resumes from its last checkpoint: finished nodes are not repeated,
their events are all there, and the node that was in flight runs again from the start.

A node may carry a ``Gate``: when a run names it in ``approve``, the run pauses after that node
(status ``paused``, durable like any checkpoint) until a person approves what the node produced,
edits it, or rejects it; an ``approver`` callback asks at once, otherwise ``resume`` takes the decision.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeAlias, TypeVar

from pydantic import BaseModel

from sparring.errors import BudgetExceeded, ConfigError, GateError, ModelError, StaleRun
from sparring.guards import Guards, Limits, Stop
from sparring.pyparse import format_exc
from sparring.store import FINISHED, Checkpoint, Event, RunStatus, RunStore, status_of, to_json

END = "__end__"
S = TypeVar("S", bound=BaseModel)
Update: TypeAlias = S | Mapping[str, Any] | None
Node: TypeAlias = Callable[[S, "RunContext"], Update[S]]
Route: TypeAlias = str | tuple[str, str]
Edge: TypeAlias = str | Callable[[S], Route]
Models: TypeAlias = Callable[[str], Any] | Mapping[str, Any]
MAX_EDIT_TRIES = 5  # an approver whose edits keep being unusable has rejected, in effect


@dataclass(frozen=True)
class Gate(Generic[S]):
    """A point after a node where a person may approve, edit or reject what the node produced.

    ``show`` renders it as text for the person; ``edit`` turns their edited text into a state update
    (raising ``GateError`` when it cannot be used); ``approve`` is the update an approval as it
    stands makes (e.g. designed tests a person vouched for become trusted)."""

    name: str
    show: Callable[[S], str]
    edit: Callable[[S, str], Mapping[str, Any]]
    approve: Callable[[S], Mapping[str, Any]] = lambda s: {}


@dataclass(frozen=True)
class Decision:
    """A person's answer at a gate: ``text`` is the edited content, or the reason for a rejection."""

    action: Literal["approve", "edit", "reject"]
    text: str = ""


@dataclass(frozen=True)
class ApprovalRequest:
    """What an approver is asked: the run, the gate, its content, and why the last edit was refused."""

    run_id: str
    gate: str
    content: str
    error: str | None = None
    draft: str | None = None  # the person's refused edit, to start the next one from


Approver: TypeAlias = Callable[[ApprovalRequest], Decision]


class _Unanswered(Exception):
    """The approver raised (Ctrl-C or EOF at a prompt, an editor that failed): the run stays paused."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


@dataclass
class RunContext:
    """What a node gets besides the state: the run, its recorder, models by role, sandbox, guards."""

    run_id: str
    store: RunStore
    models: Models
    sandbox: Any
    guards: Guards
    clock: Callable[[], float]
    cancel: threading.Event
    node: str = ""
    step: int = 0
    observer: Callable[[Event], None] | None = None  # sees each event as it is recorded (live progress)
    _pending: list[Event] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def event(self, kind: str, payload: Mapping[str, Any]) -> Event:
        """An event of the current node (the payload is normalised to its JSON form now)."""
        return Event(kind, json.loads(to_json(payload)), self.node, self.step, ts=time.time())

    def record(self, kind: str, payload: Mapping[str, Any]) -> None:
        """Add an event to the node's transaction; thread-safe, so parallel agents may record."""
        event = self.event(kind, payload)
        with self._lock:
            self._pending.append(event)
        if self.observer is not None:
            self.observer(event)

    def model(self, role: str) -> Any:
        if isinstance(self.models, Mapping):
            if role not in self.models:
                raise ConfigError(f"no model configured for role {role!r}")
            return self.models[role]
        return self.models(role)

    def complete(self, role: str, messages: Any, *, schema: Any = None, **options: Any) -> Any:
        """Ask the model of ``role`` and record the exchange as a ``message`` event; returns the Reply.
        A call that fails after spending tokens (cut off, malformed) is recorded too, with its error."""
        model = self.model(role)
        try:
            reply = model.complete(messages, schema=schema, role=role, **options)
        except ModelError as exc:
            usage = getattr(exc, "usage", None)
            if usage is not None:
                self._record_message(
                    role,
                    getattr(model, "name", "?"),
                    messages,
                    str(getattr(exc, "partial", None) or getattr(exc, "last_text", "")),
                    usage,
                    0.0,
                    "error",
                    error=f"{type(exc).__name__}: {exc}",
                )
            raise
        self._record_message(
            role,
            reply.model,
            messages,
            reply.text,
            reply.usage,
            reply.latency,
            getattr(reply, "finish_reason", "stop"),
            choices=getattr(reply, "choices", ()),
            calls=getattr(reply, "requests", 1),
        )
        return reply

    def _record_message(
        self,
        role: str,
        model: str,
        prompt: Any,
        reply: str,
        usage: Any,
        latency: float,
        finish: str,
        error: str | None = None,
        choices: Any = (),
        calls: int = 1,
    ) -> None:
        payload: dict[str, Any] = {
            "role": role,
            "model": model,
            "prompt": prompt,
            "reply": reply,
            "tokens": {
                "prompt": usage.prompt_tokens,
                "completion": usage.completion_tokens,
                "total": usage.total_tokens,
            },
            "latency": latency,
            "finish_reason": finish,
        }
        if error is not None:
            payload["error"] = error
        if choices:  # a request for several choices: ``reply`` is the first
            payload["choices"] = list(choices)
        if calls != 1:  # a backend that samples one choice per call answered them one by one
            payload["calls"] = calls
        self.record("message", payload)

    def drain(self) -> list[Event]:
        with self._lock:
            pending, self._pending = self._pending, []
        return pending


@dataclass(frozen=True)
class RunResult(Generic[S]):
    run_id: str
    status: RunStatus
    reason: str  # "passed", "failed", "stopped:<guard>", "crashed:<ExceptionType>"
    state: S
    steps: int


@dataclass(frozen=True)
class Graph(Generic[S]):
    """A workflow: ``watch`` names nodes whose output (a function of the state) the guards compare
    across revisions; ``rounds`` reads the round counter; ``verdict`` decides passed/failed at END."""

    name: str
    state: type[S]
    start: str
    nodes: Mapping[str, Node[S]]
    edges: Mapping[str, Edge[S]]
    watch: Mapping[str, Callable[[S], str]] = field(default_factory=dict)
    rounds: Callable[[S], int] | None = None
    verdict: Callable[[S], bool] | None = None
    gates: Mapping[str, Gate[S]] = field(default_factory=dict)  # node → the gate after it

    def __post_init__(self) -> None:
        fixed = {e for e in self.edges.values() if isinstance(e, str)} - {END}
        unknown = ({self.start} | set(self.edges) | set(self.watch) | set(self.gates) | fixed) - set(
            self.nodes
        )
        if unknown:
            raise ConfigError(f"workflow {self.name!r} refers to unknown nodes: {sorted(unknown)}")
        if missing := set(self.nodes) - set(self.edges):
            raise ConfigError(f"workflow {self.name!r} has nodes with no outgoing edge: {sorted(missing)}")

    def active_gates(self, names: Collection[str]) -> dict[str, Gate[S]]:
        """The gates (by node) a run asks for by name; a name this graph has no gate for is an error."""
        by_name = {gate.name: node for node, gate in self.gates.items()}
        if unknown := sorted(set(names) - set(by_name)):
            have = ", ".join(sorted(by_name)) or "none"
            raise ConfigError(
                f"nothing to approve as {', '.join(unknown)} in workflow {self.name!r} (its gates: {have})"
            )
        return {by_name[name]: self.gates[by_name[name]] for name in names}

    def run(
        self,
        state: S,
        *,
        store: RunStore,
        task: str = "",
        config: Mapping[str, Any] | None = None,
        limits: Limits | None = None,
        models: Models | None = None,
        sandbox: Any = None,
        clock: Callable[[], float] = time.monotonic,
        cancel: threading.Event | None = None,
        observer: Callable[[Event], None] | None = None,
        approve: Collection[str] = (),
        approver: Approver | None = None,
    ) -> RunResult[S]:
        """Start a new run from ``state`` at the start node and run it to a verdict or a stop.

        ``approve`` names the gates to stop at; at each, ``approver`` is asked, or without one the
        run pauses (status ``paused``) for ``resume`` with a ``Decision``."""
        gates = self.active_gates(approve)
        guards = Guards(limits or Limits())
        config = dict(config or {}) | {"limits": guards.limits.as_dict()}
        if gates:
            config["approve"] = sorted(g.name for g in gates.values())
        first = Checkpoint(0, self.start, state.model_dump(mode="json"), guards.memory, 0.0)
        run_id = store.create_run(self.name, task, config, first)
        ctx = RunContext(run_id, store, models or {}, sandbox, guards, clock, cancel or threading.Event())
        ctx.observer = observer
        return _Runner(self, ctx, 0.0, gates, approver).loop(state, self.start, 0)

    def resume(
        self,
        run_id: str,
        *,
        store: RunStore,
        limits: Limits | None = None,
        models: Models | None = None,
        sandbox: Any = None,
        clock: Callable[[], float] = time.monotonic,
        cancel: threading.Event | None = None,
        observer: Callable[[Event], None] | None = None,
        decision: Decision | None = None,
        approver: Approver | None = None,
    ) -> RunResult[S]:
        """Continue a killed, crashed or paused run from its last checkpoint; a finished run returns
        its result. A paused run needs a ``decision`` (or an ``approver`` to ask) for its gate."""
        run = store.run(run_id)
        if run.workflow != self.name:
            raise ConfigError(f"run {run_id} belongs to workflow {run.workflow!r}, not {self.name!r}")
        cp = store.last_checkpoint(run_id)
        state = self.state.model_validate(cp.state)
        if run.status in FINISHED:
            return RunResult(run_id, run.status, (run.result or {}).get("reason", run.status), state, cp.step)
        if status_of(run) == "running" and run.pid != os.getpid():
            raise ConfigError(f"run {run_id} is still running (process {run.pid} on {run.host})")
        gates = self.active_gates(run.config.get("approve", ()))
        guards = Guards(limits or Limits(**run.config["limits"]), {k: list(v) for k, v in cp.guards.items()})
        ctx = RunContext(run_id, store, models or {}, sandbox, guards, clock, cancel or threading.Event())
        ctx.observer = observer
        runner = _Runner(self, ctx, cp.elapsed, gates, approver)
        resumed = Event("run.resumed", {"from_step": cp.step, "node": cp.next_node}, None, cp.step)
        if run.status != "paused":
            store.commit(run_id, [resumed], status="running")
            return runner.loop(state, cp.next_node, cp.step)
        node = str((run.result or {}).get("node", ""))
        if node not in gates:
            raise ConfigError(f"run {run_id} is paused at a gate this workflow does not have ({node!r})")
        if decision is None and approver is None:
            raise ConfigError(
                f"run {run_id} waits for approval of its {gates[node].name}: approve, edit or reject it"
            )
        ctx.node, ctx.step = node, cp.step
        ctx.record(resumed.kind, resumed.payload)
        outcome = runner.settle(gates[node], state, cp.step, cp.next_node, decision)
        if isinstance(outcome, RunResult):
            return outcome
        return runner.loop(*outcome)


class _Runner(Generic[S]):
    """Executes one run of a graph: node, edge, guards, commit; repeat."""

    def __init__(
        self,
        graph: Graph[S],
        ctx: RunContext,
        elapsed: float,
        gates: Mapping[str, Gate[S]] | None = None,
        approver: Approver | None = None,
    ) -> None:
        self.graph, self.ctx = graph, ctx
        self.elapsed_before, self.started = elapsed, ctx.clock()
        self.gates, self.approver = dict(gates or {}), approver

    def loop(self, state: S, node: str, step: int) -> RunResult[S]:
        ctx = self.ctx
        while True:
            ctx.node, ctx.step = node, step + 1
            try:
                outcome = self._step(state, node, step)
            except BudgetExceeded as exc:
                stop = Stop(exc.reason, str(exc))
                ctx.record("stop", {"reason": stop.label, "detail": stop.detail})
                return self._finish(state, step, node, "stopped", stop.label)
            except _Unanswered as exc:  # nothing since the pause was committed: it stays paused
                ctx.drain()
                raise exc.cause from None
            except StaleRun:  # another process decided the gate first: its run, not a crash of ours
                ctx.drain()
                raise
            except Exception as exc:
                error = {"type": type(exc).__name__, "message": str(exc), "traceback": format_exc()}
                ctx.record("crash", error)
                self._finish(state, step, node, "crashed", f"crashed:{type(exc).__name__}")
                raise
            if isinstance(outcome, RunResult):
                return outcome
            state, node, step = outcome

    def _step(self, state: S, node: str, step: int) -> RunResult[S] | tuple[S, str, int]:
        """Run ``node``, follow its edge, consult the guards; commit, or finish the run."""
        ctx = self.ctx
        state, step = _apply(state, self.graph.nodes[node](state, ctx)), step + 1
        target, why = self._decide(node, state)
        ctx.record("edge", {"from": node, "to": target, "reason": why})
        if target == END:
            status: RunStatus = (
                "passed" if self.graph.verdict is None or self.graph.verdict(state) else "failed"
            )
            return self._finish(state, step, END, status, status)
        if (stop := self._check(node, state, step)) is not None:
            ctx.record("stop", {"reason": stop.label, "detail": stop.detail})
            return self._finish(state, step, target, "stopped", stop.label)
        if node in self.gates:
            return self._pause(self.gates[node], node, state, step, target)
        ctx.store.commit(ctx.run_id, ctx.drain(), checkpoint=self._checkpoint(step, target, state))
        return state, target, step

    def _pause(
        self, gate: Gate[S], node: str, state: S, step: int, target: str
    ) -> RunResult[S] | tuple[S, str, int]:
        """Commit the run as paused at ``gate`` (so a killed process loses nothing), then ask the
        approver if there is one; without one the caller gets the paused result."""
        ctx, reason = self.ctx, f"paused:{gate.name}"
        ctx.record("approval.requested", {"gate": gate.name, "content": gate.show(state)})
        result = {"status": "paused", "reason": reason, "gate": gate.name, "node": node, "steps": step}
        checkpoint = self._checkpoint(step, target, state)
        ctx.store.commit(ctx.run_id, ctx.drain(), checkpoint=checkpoint, status="paused", result=result)
        if self.approver is None:
            return RunResult(ctx.run_id, "paused", reason, state, step)
        return self.settle(gate, state, step, target, None)

    def settle(
        self, gate: Gate[S], state: S, step: int, target: str, decision: Decision | None
    ) -> RunResult[S] | tuple[S, str, int]:
        """Apply a person's decision at ``gate``: the given one, or the approver's (asked again, with
        the reason, while its edits cannot be used). A given decision that cannot be used raises
        ``GateError`` and leaves the run paused. The decision and the state it makes commit together,
        only if the run is still paused then (a decision taken elsewhere meanwhile wins)."""
        ctx, error, draft = self.ctx, None, None
        for _ in range(MAX_EDIT_TRIES):
            choice = decision or self._ask(
                ApprovalRequest(ctx.run_id, gate.name, gate.show(state), error, draft)
            )
            payload: dict[str, Any] = {"gate": gate.name, "action": choice.action}
            if choice.action == "reject":
                reason = " ".join(choice.text.split()) or "no reason given"
                ctx.record("approval", payload | {"reason": reason})
                ctx.record(
                    "stop", {"reason": "stopped:rejected", "detail": f"{gate.name} rejected: {reason}"}
                )
                return self._finish(state, step, target, "stopped", "stopped:rejected", expect="paused")
            try:
                update = gate.approve(state) if choice.action == "approve" else gate.edit(state, choice.text)
            except GateError as exc:
                if decision is not None:
                    raise
                error, draft = str(exc), choice.text
                ctx.record("approval.refused", {"gate": gate.name, "error": error})
                continue
            state = _apply(state, update)
            ctx.record(
                "approval", payload | ({"content": gate.show(state)} if choice.action == "edit" else {})
            )
            checkpoint = self._checkpoint(step, target, state)
            ctx.store.commit(
                ctx.run_id, ctx.drain(), checkpoint=checkpoint, status="running", result={}, expect="paused"
            )
            return state, target, step
        detail = f"{gate.name}: {MAX_EDIT_TRIES} unusable edits"
        ctx.record("stop", {"reason": "stopped:rejected", "detail": detail})
        return self._finish(state, step, target, "stopped", "stopped:rejected", expect="paused")

    def _ask(self, request: ApprovalRequest) -> Decision:
        """The approver's decision; the time a person takes does not count as the run's time."""
        assert self.approver is not None
        asked = self.ctx.clock()
        try:
            return self.approver(request)
        except Exception as exc:
            raise _Unanswered(exc) from exc
        finally:
            self.started += self.ctx.clock() - asked

    def _decide(self, node: str, state: S) -> tuple[str, str]:
        edge = self.graph.edges[node]
        if isinstance(edge, str):
            return edge, "fixed edge"
        route = edge(state)
        target, why = route if isinstance(route, tuple) else (route, "")
        if target != END and target not in self.graph.nodes:
            raise ConfigError(f"the edge from {node!r} chose unknown node {target!r}")
        return target, why

    def _check(self, node: str, state: S, step: int) -> Stop | None:
        if self.ctx.cancelled:
            return Stop("cancelled", "the run was cancelled")
        if node in self.graph.watch:
            stop = self.ctx.guards.observe(node, self.graph.watch[node](state))
            if stop is not None:
                return stop
        rounds = self.graph.rounds(state) if self.graph.rounds else None
        return self.ctx.guards.check(steps=step, rounds=rounds, elapsed=self._elapsed())

    def _elapsed(self) -> float:
        return self.elapsed_before + self.ctx.clock() - self.started

    def _checkpoint(self, step: int, next_node: str, state: S) -> Checkpoint:
        memory = self.ctx.guards.memory
        return Checkpoint(step, next_node, state.model_dump(mode="json"), memory, self._elapsed())

    def _finish(
        self,
        state: S,
        step: int,
        next_node: str,
        status: RunStatus,
        reason: str,
        expect: RunStatus | None = None,
    ) -> RunResult[S]:
        ctx = self.ctx
        ctx.record("run.finished", {"status": status, "reason": reason, "steps": step})
        result = {"status": status, "reason": reason, "steps": step, "state": state.model_dump(mode="json")}
        checkpoint = self._checkpoint(step, next_node, state)
        ctx.store.commit(
            ctx.run_id, ctx.drain(), checkpoint=checkpoint, status=status, result=result, expect=expect
        )
        return RunResult(ctx.run_id, status, reason, state, step)


def _apply(state: S, update: Update[S]) -> S:
    """A node may return the whole new state, a partial update of named fields, or None (no change)."""
    if update is None:
        return state
    if isinstance(update, BaseModel):
        if not isinstance(update, type(state)):
            raise ConfigError(f"a node returned {type(update).__name__}, not {type(state).__name__}")
        return update
    if unknown := set(update) - set(type(state).model_fields):
        raise ConfigError(f"a node updated unknown state fields: {sorted(unknown)}")
    return type(state).model_validate(state.model_dump() | dict(update))
