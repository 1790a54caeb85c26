"""The runs API the CLI and the viewer use: list, show and export runs as plain values.

A run whose status says ``running`` but whose owning process is gone (killed, machine rebooted
mid-run) is reported as ``crashed``; ``Graph.resume`` picks it up from its last checkpoint.
"""

from __future__ import annotations

import os
import socket
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sparring.store.sqlite import Event, RunRecord, RunStatus, RunStore


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    status: RunStatus
    workflow: str
    created: datetime
    title: str
    reason: str | None  # e.g. "passed", "stopped:oscillation", "crashed:ValueError"


@dataclass(frozen=True)
class RunView:
    summary: RunSummary
    events: list[Event]


def _owner_alive(run: RunRecord) -> bool:
    if run.pid is None or run.host != socket.gethostname():
        return True  # cannot tell from here; trust the stored status
    try:
        os.kill(run.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def status_of(run: RunRecord) -> RunStatus:
    """The stored status, except that a ``running`` run with a dead owner is ``crashed``."""
    return "crashed" if run.status == "running" and not _owner_alive(run) else run.status


def summarize(run: RunRecord) -> RunSummary:
    reason = run.result.get("reason") if run.result else None
    created = datetime.fromtimestamp(run.created, tz=UTC)
    return RunSummary(run.run_id, status_of(run), run.workflow, created, run.title, reason)


def list_runs(store: RunStore) -> list[RunSummary]:
    """Every run in the store, newest first."""
    return [summarize(run) for run in store.runs()]


def show_run(store: RunStore, run_id: str) -> RunView:
    """One run's summary and its whole event log."""
    return RunView(summarize(store.run(run_id)), store.events(run_id))


def pending_approval(store: RunStore, run_id: str) -> dict[str, str] | None:
    """What a paused run waits to have approved: ``{"gate", "content"}`` of its last request, or
    None when the run is not paused."""
    if store.run(run_id).status != "paused":
        return None
    asked = [e.payload for e in store.events(run_id) if e.kind == "approval.requested"]
    return {"gate": str(asked[-1]["gate"]), "content": str(asked[-1]["content"])}


def export_run(store: RunStore, run_id: str) -> dict[str, Any]:
    """The run, all its events and its final result as one JSON-serialisable dict."""
    run = store.run(run_id)
    record = asdict(run) | {"status": status_of(run)}
    result = record.pop("result")
    return {"run": record, "events": [asdict(e) for e in store.events(run_id)], "result": result}
