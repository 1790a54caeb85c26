"""sparring: a team of LLM agents that builds, attacks and repairs code until evidence says it is right.

The curated public API; the CLI and the benchmarks use only what is exported here.
"""

from __future__ import annotations

from sparring.errors import (
    BudgetExceeded,
    ConfigError,
    MalformedOutput,
    ModelError,
    ModelFetchError,
    ModelUnavailable,
    SandboxError,
    SparringError,
    TaskError,
    TruncatedOutput,
)
from sparring.evidence import Case, Evidence, run_cases
from sparring.graph import END, Graph, RunContext, RunResult
from sparring.guards import Limits as RunLimits
from sparring.llm import Budget, Message, Meter, Model, Reply, ScriptedBackend, Usage, open_model
from sparring.roles import Role, load_roles
from sparring.sandbox import Execution, FakeSandbox, Limits, Sandbox, Verdict, open_sandbox
from sparring.store import RunStore, export_run, list_runs, show_run
from sparring.tasks import FunctionTask, demo_task, load_task, task_from_source
from sparring.workflows import WORKFLOWS, Result, TeamConfig, load_team_file, resume, solve

__version__ = "0.1.0"

__all__ = [
    "END",
    "WORKFLOWS",
    "Budget",
    "BudgetExceeded",
    "Case",
    "ConfigError",
    "Evidence",
    "Execution",
    "FakeSandbox",
    "FunctionTask",
    "Graph",
    "Limits",
    "MalformedOutput",
    "Message",
    "Meter",
    "Model",
    "ModelError",
    "ModelFetchError",
    "ModelUnavailable",
    "Reply",
    "Result",
    "Role",
    "RunContext",
    "RunLimits",
    "RunResult",
    "RunStore",
    "Sandbox",
    "SandboxError",
    "ScriptedBackend",
    "SparringError",
    "TaskError",
    "TeamConfig",
    "TruncatedOutput",
    "Usage",
    "Verdict",
    "__version__",
    "demo_task",
    "export_run",
    "list_runs",
    "load_roles",
    "load_task",
    "load_team_file",
    "open_model",
    "open_sandbox",
    "resume",
    "run_cases",
    "show_run",
    "solve",
    "task_from_source",
]
