"""Built-in workflows by name, team files, and ``solve``: one function task through one workflow.

Each workflow is one file that wires the shared steps into a ``Graph``. A run's config records the
workflow, team settings and model specs, so ``resume`` can rebuild exactly the same graph.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sparring.errors import ConfigError, SparringError
from sparring.graph import Approver, Decision, Graph, RunResult
from sparring.guards import Limits
from sparring.lessons import Lessons, learn
from sparring.llm import Budget, Meter, Model, open_model
from sparring.roles import load_roles
from sparring.store import FINISHED, Event, RunStore, pending_approval
from sparring.tasks import FunctionTask
from sparring.workflows import adversarial, debate, reflexion, roundtable, sample, single, sop
from sparring.workflows.gates import gates_for
from sparring.workflows.state import FunctionState, Lesson, TaskSpec
from sparring.workflows.steps import Team

Builder = Callable[[Team], Graph[FunctionState]]

WORKFLOWS: dict[str, Builder] = {
    "single": single.build,
    "sample": sample.build,
    "reflexion": reflexion.build,
    "sop": sop.build,
    "debate": debate.build,
    "roundtable": roundtable.build,
    "adversarial": adversarial.build,
}

# Settings each workflow starts from; a team file or options override them.
DEFAULTS: dict[str, dict[str, Any]] = {
    "single": {"samples": 1},
    "sample": {"samples": 5},
    "reflexion": {"samples": 1, "max_rounds": 3},
    "sop": {
        "samples": 4,
        "widen": 8,
        "widen_below": 0.75,
        "max_rounds": 2,
        "test_count": 6,
        "probes": 12,
        "design_tests": "disputed",
        "review": False,
        "plan": False,
    },
    "debate": {"max_rounds": 3, "test_count": 6, "agents": 3, "vote": "evidence", "tie_break": "random"},
    "roundtable": {"max_rounds": 3, "test_count": 6, "agents": 3, "selector": "round_robin"},
    "adversarial": {"samples": 1, "max_rounds": 3, "test_count": 0, "attacks": 5},
}

_TEAM_FIELDS = {
    "samples",
    "temperature",
    "max_rounds",
    "test_count",
    "plan",
    "review",
    "review_tests",
    "seed",
    "red_team",
    "lessons",
}
# Settings read by one workflow (debate, roundtable, adversarial); a team file may set them too.
_WORKFLOW_SETTINGS = {
    "agents",
    "vote",
    "tie_break",
    "confidence_threshold",
    "show_confidence",
    "selector",
    "attacks",
    "properties",
    "property_examples",
    "typecheck",
    "reflect",
    "widen",
    "widen_below",
    "design_tests",
    "probes",
    "plan_depth",
    "test_review_turns",
}


def parse_workflow(name: str) -> tuple[str, dict[str, Any]]:
    """``sample@5`` → ("sample", {"k": 5}); plain names pass through."""
    base, _, arg = name.partition("@")
    if base not in WORKFLOWS:
        raise ConfigError(f"unknown workflow {name!r}; choose from {', '.join(sorted(WORKFLOWS))} (sample@K)")
    if arg:
        if base != "sample" or not arg.isdigit() or int(arg) < 1:
            raise ConfigError(f"bad workflow {name!r}: only sample@K takes a count, K ≥ 1")
        return base, {"k": int(arg)}
    return base, {}


def split_variant(label: str) -> tuple[str, str | None]:
    """A benchmark's workflow label: ``sop:teams/x.toml`` → ("sop", "teams/x.toml"), a workflow with
    a team file of its own, so two settings of one workflow compare side by side in one run; plain
    names (``sop``, ``sample@12``) → (name, None)."""
    name, sep, team_file = label.partition(":")
    if sep and not team_file:
        raise ConfigError(f"workflow {label!r}: name a team file after ':' (e.g. sop:team.toml)")
    return name, team_file or None


@dataclass(frozen=True)
class TeamConfig:
    """Everything that defines a team besides the task: settings, model per role, role files."""

    workflow: str = "sop"
    settings: Mapping[str, Any] = field(default_factory=dict)
    models: Mapping[str, str] = field(default_factory=lambda: {"default": "local"})
    role_dirs: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "workflow": self.workflow,
            "settings": dict(self.settings),
            "models": dict(self.models),
            "role_dirs": list(self.role_dirs),
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> TeamConfig:
        return TeamConfig(
            data["workflow"],
            data.get("settings", {}),
            data.get("models", {}),
            tuple(data.get("role_dirs", ())),
        )

    def model_spec(self, role: str) -> str:
        return self.models.get(role) or self.models.get("default") or "local"


def load_team_file(path: str | Path, base: TeamConfig) -> TeamConfig:
    """A team file (TOML): ``[team]`` settings, ``[models]`` role → spec, ``roles = [dirs or files]``."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"team file not found: {file}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"team file {file} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read team file {file}: {exc.strerror or exc}") from None
    if not isinstance(data.get("team", {}), dict) or not isinstance(data.get("models", {}), dict):
        raise ConfigError(f"team file {file}: [team] and [models] must be tables")
    if not all(isinstance(v, str) for v in data.get("models", {}).values()):
        raise ConfigError(f"team file {file}: every [models] entry must be a model spec string")
    roles_list = data.get("roles", [])
    if not isinstance(roles_list, list) or not all(isinstance(r, str) for r in roles_list):
        raise ConfigError(f"team file {file}: roles must be a list of paths")
    unknown = set(data.get("team", {})) - _TEAM_FIELDS - _WORKFLOW_SETTINGS - {"k", "workflow"}
    if unknown:
        raise ConfigError(f"team file {file}: unknown settings {sorted(unknown)}")
    team = dict(data.get("team", {}))
    roles = tuple(str((file.parent / r).resolve()) for r in data.get("roles", ()))
    return replace(
        base,
        workflow=str(team.pop("workflow", base.workflow)),
        settings={**base.settings, **team},
        models={**base.models, **data.get("models", {})},
        role_dirs=base.role_dirs + roles,
    )


# (type, smallest allowed) of every numeric or boolean setting; strings are checked by their workflow.
_SETTING_TYPES: dict[str, tuple[type, float | None]] = {
    **{
        name: (int, 1) for name in ("samples", "max_rounds", "k", "agents", "plan_depth", "property_examples")
    },
    **{
        name: (int, 0)
        for name in ("test_count", "seed", "attacks", "test_review_turns", "properties", "widen", "probes")
    },
    **{name: (float, 0.0) for name in ("temperature", "confidence_threshold", "widen_below")},
    **{
        name: (bool, None)
        for name in (
            "plan",
            "review",
            "review_tests",
            "red_team",
            "lessons",
            "typecheck",
            "reflect",
            "show_confidence",
        )
    },
}


def check_settings(settings: Mapping[str, Any]) -> None:
    """Team settings of the wrong type or range are a ``ConfigError`` before anything runs."""
    for name, value in settings.items():
        kind, least = _SETTING_TYPES.get(name, (object, None))
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is float:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok:
            raise ConfigError(f"team setting {name} must be {kind.__name__}, got {value!r}")
        if least is not None and value < least:
            raise ConfigError(f"team setting {name} must be at least {least}, got {value!r}")


def build_graph(config: TeamConfig) -> tuple[Graph[FunctionState], Team]:
    base, extra = parse_workflow(config.workflow)
    settings = {**DEFAULTS[base], **extra, **config.settings}
    check_settings(settings)
    team_kwargs = {k: v for k, v in settings.items() if k in _TEAM_FIELDS}
    other = {k: v for k, v in settings.items() if k not in _TEAM_FIELDS}
    team = Team(roles=load_roles(config.role_dirs), settings=other, **team_kwargs)
    graph = WORKFLOWS[base](team)
    return replace(graph, gates=gates_for(graph, team)), team


def with_gates(config: TeamConfig, approve: Collection[str]) -> TeamConfig:
    """The team a run with these gates needs: sop designs its tests first when a person approves
    them (on a dispute only, they would come after the code), unless its team says otherwise."""
    if (
        "tests" in approve
        and parse_workflow(config.workflow)[0] == "sop"
        and "design_tests" not in config.settings
    ):
        return replace(config, settings={**config.settings, "design_tests": "first"})
    return config


@dataclass(frozen=True)
class Result:
    """What a solve produces; ``verdict`` is passed, failed, stopped:<reason>, or unverified (no test
    with an expected value could be run: a spec without examples and no designed tests)."""

    run_id: str
    workflow: str
    verdict: str
    stop_reason: str | None
    code: str
    confidence: float
    evidence: dict[str, Any]
    usage: dict[str, Any]
    pending: dict[str, str] | None = None  # verdict "paused": {"gate", "content"} waiting for a person

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "workflow": self.workflow,
            "verdict": self.verdict,
            "stop_reason": self.stop_reason,
            "code": self.code,
            "confidence": self.confidence,
            "evidence": self.evidence,
            "usage": self.usage,
        } | ({"pending": self.pending} if self.pending is not None else {})


class RoleModels:
    """Role → Model, sharing one Model (and engine) per spec and one meter per run."""

    def __init__(self, config: TeamConfig, meter: Meter, *, use_cache: bool = True) -> None:
        self.config, self.meter, self.use_cache = config, meter, use_cache
        self._by_spec: dict[str, Model] = {}

    def __call__(self, role: str) -> Model:
        spec = self.config.model_spec(role)
        if spec not in self._by_spec:
            self._by_spec[spec] = open_model(spec, meter=self.meter, use_cache=self.use_cache)
        return self._by_spec[spec]


def solve(
    task: FunctionTask,
    config: TeamConfig,
    *,
    store: RunStore,
    sandbox: Any,
    budget: Budget | None = None,
    wall_clock_s: float | None = None,
    models: Callable[[str], Model] | None = None,
    observer: Callable[[Event], None] | None = None,
    approve: Collection[str] = (),
    approver: Approver | None = None,
) -> Result:
    """Run ``task`` through the configured workflow and return the result with evidence and cost.

    ``budget`` meters the models built here from ``config``; callers that pass their own ``models``
    meter them themselves (``RoleModels(config, Meter(budget))``), as the CLI and benchmarks do.
    ``approve`` names gates (``plan``, ``tests``) where a person decides: ``approver`` asks at once;
    without it the run pauses (verdict ``paused``) until ``resume`` gets a ``Decision``."""
    config = with_gates(config, approve)
    graph, team = build_graph(config)
    graph.active_gates(approve)  # an unknown gate is an error before anything (lessons included) happens
    meter = Meter(budget)
    limits = Limits(max_rounds=team.max_rounds + 1, wall_clock_s=wall_clock_s)
    started = time.monotonic()
    role_models = models or RoleModels(config, meter)
    recalled = Lessons(store).retrieve(task.prompt) if team.lessons else []
    run = graph.run(
        FunctionState(task=TaskSpec.of(task), lessons=[Lesson(id=r.id, text=r.text) for r in recalled]),
        store=store,
        task=task.prompt,
        config={
            "team": config.as_dict(),
            "task_id": task.task_id,
            "budget": _budget_dict(budget),
            "sandbox": getattr(sandbox, "name", str(sandbox)),  # which backend ran the code
        },
        limits=limits,
        models=role_models,
        sandbox=sandbox,
        observer=observer,
        approve=approve,
        approver=approver,
    )
    _settle_lessons(team, run, store, task.prompt, role_models)
    return to_result(run, config.workflow, store, time.monotonic() - started)


def _settle_lessons(
    team: Team, run: RunResult[FunctionState], store: RunStore, task: str, models: Callable[[str], Model]
) -> None:
    """Once a run has ended (not paused): settle the lessons it used; admit a new one only from a fix
    verified by tests."""
    if not team.lessons or run.status in ("paused", "running"):
        return
    s = run.state
    learn(
        store, run.run_id, passed=run.status == "passed", fixed=s.round > 0 and bool(s.reflections),
        task=task, code=s.code, reflections=s.reflections, used=[n.id for n in s.lessons],
        writer=team.role("lesson_writer"), models=models,
    )  # fmt: skip


def resume(
    run_id: str,
    *,
    store: RunStore,
    sandbox: Any,
    models: Callable[[str], Model] | None = None,
    decision: Decision | None = None,
    approver: Approver | None = None,
) -> Result:
    """Continue a killed run of a function workflow from its last checkpoint; a paused one with a
    person's ``decision`` at its gate (or an ``approver`` to ask)."""
    record = store.run(run_id)
    team_data = record.config.get("team")
    if not team_data:
        raise SparringError(f"run {run_id} was not started by `sparring solve`; it cannot be resumed here")
    config = TeamConfig.from_dict(team_data)
    graph, team = build_graph(config)
    budget = Budget(**record.config.get("budget") or {})
    started = time.monotonic()
    role_models = models or RoleModels(config, Meter(budget))
    run = graph.resume(
        run_id, store=store, models=role_models, sandbox=sandbox, decision=decision, approver=approver
    )
    if record.status not in FINISHED:  # a finished run's lessons were settled when it finished
        _settle_lessons(team, run, store, record.task, role_models)
    return to_result(run, config.workflow, store, time.monotonic() - started)


def _budget_dict(budget: Budget | None) -> dict[str, Any]:
    b = budget or Budget()
    return {"max_tokens": b.max_tokens, "max_calls": b.max_calls, "max_dollars": b.max_dollars}


def to_result(run: RunResult[FunctionState], workflow: str, store: RunStore, seconds: float) -> Result:
    s = run.state
    stopped = run.reason if run.reason.startswith("stopped:") else None
    chosen = next((c.evidence for c in s.candidates if c.code == s.code and c.evidence is not None), None)
    checked = chosen.checked if chosen is not None else 0
    verdict = stopped or run.status
    pending = pending_approval(store, run.run_id) if run.status == "paused" else None
    if verdict == "passed" and checked == 0:
        verdict = "unverified"  # nothing with an expected value ran: no claim either way
    evidence = {
        "checked": checked,
        "examples": len(s.examples),
        "tests": [c.as_assert() for c in s.tests],
        "approved_tests": sum(1 for c in s.tests if c.origin == "person"),  # trusted: a person vouched
        "dropped_tests": [d.model_dump() for d in s.dropped_tests],
        "rounds": s.round + 1,
        "candidates": len(s.candidates),
        "passed_all": s.passed,
        "accepted_by_review": s.accepted,
        "feedback": s.feedback,
    }
    return Result(
        run.run_id,
        workflow,
        verdict,
        stopped,
        s.code,
        0.0 if verdict == "unverified" else s.confidence,
        evidence,
        usage_of(store, run.run_id, seconds),
        pending,
    )


def usage_of(store: RunStore, run_id: str, seconds: float) -> dict[str, Any]:
    """Cost folded from the run's recorded messages (so a resumed run reports its whole cost).

    Tokens are split into ``prompt_tokens`` and ``completion_tokens`` (``tokens`` is their sum). Per
    role, ``requests`` counts requests, ``calls`` the calls they took (more than the requests where a
    backend answered several choices one by one) and ``choices`` the candidates drawn."""
    by_role: dict[str, dict[str, float]] = {}
    for event in store.events(run_id):
        if event.kind != "message":
            continue
        p = event.payload
        r = by_role.setdefault(
            p["role"],
            {"calls": 0, "requests": 0, "choices": 0, "tokens": 0, "prompt_tokens": 0, "completion_tokens": 0,
             "seconds": 0.0},
        )  # fmt: skip
        tokens = p["tokens"]
        r["calls"] += p.get("calls", 1)
        r["requests"] += 1
        r["choices"] += len(p.get("choices") or ()) or 1
        r["tokens"] += tokens["total"]
        r["prompt_tokens"] += tokens.get("prompt", 0)
        r["completion_tokens"] += tokens.get("completion", 0)
        r["seconds"] += p["latency"]
    return {
        "tokens": int(sum(r["tokens"] for r in by_role.values())),
        "prompt_tokens": int(sum(r["prompt_tokens"] for r in by_role.values())),
        "completion_tokens": int(sum(r["completion_tokens"] for r in by_role.values())),
        "calls": int(sum(r["calls"] for r in by_role.values())),
        "seconds": round(seconds, 3),
        "by_role": {k: {**v, "seconds": round(v["seconds"], 3)} for k, v in sorted(by_role.items())},
    }


__all__ = [
    "DEFAULTS",
    "WORKFLOWS",
    "Decision",
    "Result",
    "Team",
    "TeamConfig",
    "build_graph",
    "load_team_file",
    "parse_workflow",
    "resume",
    "solve",
]
