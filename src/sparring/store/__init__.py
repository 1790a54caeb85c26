"""The durable run store: every run's event log, its checkpoints and the runs API over them.

sqlite.py   RunStore (SQLite, WAL), Event, Checkpoint, RunRecord
schema.py   the versioned schema and its migrations
runs.py     list_runs / show_run / export_run for the CLI
html.py     render_run / write_run_html: one run as a single offline HTML page (template run.html.j2)
"""

from __future__ import annotations

from sparring.store.html import render_run, write_run_html
from sparring.store.runs import (
    RunSummary,
    RunView,
    export_run,
    list_runs,
    pending_approval,
    show_run,
    status_of,
)
from sparring.store.sqlite import (
    FINISHED,
    Checkpoint,
    Event,
    RunRecord,
    RunStatus,
    RunStore,
    default_store_path,
    to_json,
)

__all__ = [
    "FINISHED",
    "Checkpoint",
    "Event",
    "RunRecord",
    "RunStatus",
    "RunStore",
    "RunSummary",
    "RunView",
    "default_store_path",
    "export_run",
    "list_runs",
    "pending_approval",
    "render_run",
    "show_run",
    "status_of",
    "to_json",
    "write_run_html",
]
