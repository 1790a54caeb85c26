"""What produced a benchmark's results: one record per invocation, kept beside ``results.jsonl``.

A results folder can be resumed over several sessions, machines and commits, and its rows are
pooled into one table. ``manifest.jsonl`` keeps, for every invocation that wrote to it, the command,
the source (version and git commit, ``-dirty`` when the work tree had changes), the model behind
every role (the default model by its SHA-256), a digest of the team settings and the role prompts,
the sandbox, the engine's version, workers and cache — so anyone can see what a figure came from,
and a report says so when pooled rows came from different code, models or teams.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shlex
import subprocess
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import sparring

MANIFEST_NAME = "manifest.jsonl"


def source_version() -> str:
    """``sparring <version>``, plus the git commit when the package runs from a git work tree."""
    version = f"sparring {sparring.__version__}"
    here = Path(sparring.__file__).resolve().parent
    try:  # only a repository that tracks this very package (not one it is merely installed inside)
        if not _git(here, "ls-files", "--error-unmatch", "__init__.py"):
            return version
        commit = _git(here, "rev-parse", "HEAD")
        dirty = _git(here, "status", "--porcelain", "--untracked-files=no", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version} ({commit[:12]}{'-dirty' if dirty else ''})" if commit else version


def _git(where: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(where), *args], capture_output=True, text=True, timeout=10, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def model_identity(spec: str) -> str:
    """A model spec as something comparable across machines: the default local model by name and
    SHA-256 (it is verified against it before use), a local file by name and size, else the spec."""
    from sparring.llm import fetch

    kind, _, arg = spec.partition(":")
    if kind == "local" and not arg:  # ``local`` and ``local:`` are the default model
        model = fetch.default_model()
        return f"{model.name} sha256:{model.sha256[:16]}"
    if kind == "local" and arg and arg != "tiny":
        path = Path(arg).expanduser()
        size = f", {path.stat().st_size:,} bytes" if path.is_file() else ""
        return f"{path.name}{size}"
    if kind == "scripted":  # named by a digest of its text, as its backend is
        return f"scripted:{hashlib.sha256((arg or 'ok').encode()).hexdigest()[:12]}"
    return spec


def team_digest(config: Any) -> str:
    """A short digest of what a team is, wherever it runs: workflow, settings, the model behind each
    role (``model_identity``) and the content of the role prompts in effect — not file paths."""
    from sparring.roles import load_roles

    roles = {
        name: {k: v for k, v in asdict(role).items() if k != "source"}
        for name, role in sorted(load_roles(config.role_dirs).items())
    }
    models = {role: model_identity(spec) for role, spec in sorted(config.models.items())}
    blob = json.dumps([config.workflow, dict(config.settings), models, roles], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _engine() -> str:
    try:
        return f"xllamacpp {metadata.version('xllamacpp')}"
    except metadata.PackageNotFoundError:
        return "xllamacpp not installed"


def _command(argv: Sequence[str] | None) -> str:
    if argv is None:
        return "(not run from the sparring command line)"
    return shlex.join(["sparring", *argv])


def invocation(
    workflows: Sequence[str],
    teams: Mapping[str, Any],
    *,
    sandbox: str,
    workers: int,
    cache: bool,
    selection: Mapping[str, Any],
    argv: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The record of one ``sparring bench`` invocation (``argv``: its arguments, when it came from the
    command line); ``teams`` maps each workflow to its config. ``rows`` is added as it finishes."""
    specs = sorted({spec for team in teams.values() for spec in team.models.values()})
    return {
        "id": uuid.uuid4().hex,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": _command(argv),
        "source": source_version(),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "engine": _engine(),
        "models": {spec: model_identity(spec) for spec in specs},
        "roles": {w: dict(teams[w].models) for w in workflows if w in teams},
        "teams": {w: team_digest(teams[w]) for w in workflows if w in teams},
        "workflows": list(workflows),
        "sandbox": sandbox,
        "workers": workers,
        "cache": cache,
        "selection": dict(selection),
    }


def record(folder: Path, entry: Mapping[str, Any], *, added: int | None = None) -> None:
    """Write ``entry`` into the folder's manifest: appended if new, else in place of its own line
    (same ``id``: the invocation going on, adding baselines or finishing); ``added`` result rows are
    counted into its ``rows``. The file is replaced atomically; lines that do not parse are kept."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MANIFEST_NAME
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    mine = [i for i, line in enumerate(lines) if (_parse(line) or {}).get("id") == entry.get("id")]
    old = (_parse(lines[mine[-1]]) or {}) if mine else {}
    merged = {**old, **entry}
    if added is not None:
        merged["rows"] = int(old.get("rows", 0)) + added
    text = json.dumps(merged, ensure_ascii=False)
    if mine:
        lines[mine[-1]] = text
    else:
        lines.append(text)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False, suffix=".tmp") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(fh.name, path)


def begin(folder: Path, entry: Mapping[str, Any], *, resumed: bool) -> None:
    """Record an invocation as it starts; a fresh (not resumed) results file starts a fresh manifest."""
    if not resumed:
        (folder / MANIFEST_NAME).unlink(missing_ok=True)
    record(folder, entry)


def _parse(line: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def read(out_dir: Path) -> list[dict[str, Any]]:
    """The folder's invocations, oldest first; lines that do not parse are skipped."""
    path = out_dir / MANIFEST_NAME
    if not path.is_file():
        return []
    entries = (_parse(line) for line in path.read_text(encoding="utf-8").splitlines())
    return [e for e in entries if e is not None]


def differences(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    """What the invocations that wrote rows disagree on: the source; a workflow's team (settings,
    models, role prompts); what one model spec stood for. Invocations that added no rows do not
    count (one that was interrupted may have, so it does); ones that ran other workflows do not differ."""
    writers = [e for e in entries if e.get("rows", 1)]
    found = []
    if len({e.get("source") for e in writers}) > 1:
        found.append("source")
    for key, label in (("teams", "team of {}"), ("models", "model {}")):
        seen: dict[str, set[str]] = {}
        for entry in writers:
            for name, value in (entry.get(key) or {}).items():
                seen.setdefault(name, set()).add(str(value))
        found += [label.format(name) for name, values in seen.items() if len(values) > 1]
    return found
