"""Repository instances (SWE-bench style): one JSON object per line of a ``.jsonl`` file.

    {"instance_id": "isodate-1", "repo": "isodate.bundle", "base_commit": "3f2a…",
     "problem_statement": "parse_datetime('…-05:30') gives the wrong offset …",
     "FAIL_TO_PASS": ["tests/test_time.py::test_parse[…]"], "PASS_TO_PASS": ["…"]}

Optional: ``test_cmd`` (a pytest command the workflow runs; default ``python -m pytest``),
``hints`` (shown with the problem statement), ``test_patch`` (a diff adding hidden tests, applied
only where the patch is scored) and ``patch`` (the reference fix, never shown to a workflow).
SWE-bench's own rows, whose test lists are JSON-encoded strings, load too. A workflow gets a
``RepoIssue``: the problem statement, the checkout, the base commit and the test command.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sparring.bench.datasets import rows
from sparring.errors import ConfigError, TaskError
from sparring.repo.environment import RepoEnvironment
from sparring.repo.testing import TestCommand

_REQUIRED = ("instance_id", "repo", "base_commit", "problem_statement")
_OPTIONAL = ("test_cmd", "hints", "test_patch", "patch")
_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
BUILTIN = {"isodate-bugs": "swe/isodate.jsonl"}
"""Instance files shipped in the package, by name (``sparring bench isodate-bugs``)."""


@dataclass(frozen=True)
class RepoInstance:
    """One row. ``fail_to_pass``/``pass_to_pass`` are pytest node ids; all must pass to resolve it."""

    instance_id: str
    repo: str
    base_commit: str
    problem_statement: str
    fail_to_pass: tuple[str, ...]
    pass_to_pass: tuple[str, ...]
    test_cmd: str = ""
    hints: str = ""
    test_patch: str = ""
    patch: str = ""

    @property
    def issue_text(self) -> str:
        return self.problem_statement + (f"\n\nHints:\n{self.hints}" if self.hints.strip() else "")


@dataclass(frozen=True)
class RepoIssue:
    """All a workflow sees of an instance: no test ids, no hidden tests, no reference fix."""

    instance_id: str
    text: str
    checkout: Path
    base_commit: str
    test_cmd: str
    environment: RepoEnvironment


@dataclass(frozen=True)
class InstanceSet:
    """The instances of one file and the SHA-256 of its bytes (results name it, as for datasets)."""

    name: str
    path: Path
    sha256: str
    instances: tuple[RepoInstance, ...]


def builtin_path(name: str) -> Path | None:
    if name not in BUILTIN:
        return None
    from importlib import resources

    return Path(str(resources.files("sparring.data").joinpath(BUILTIN[name])))


def is_instance_file(spec: str) -> bool:
    """A shipped instance set's name, or a ``.jsonl`` file whose first row has an ``instance_id``."""
    if spec in BUILTIN:
        return True
    path = Path(spec)
    if not path.is_file() or not path.name.endswith(".jsonl"):
        return False
    try:
        with path.open(encoding="utf-8") as fh:
            first = next((line for line in fh if line.strip()), "")
        row = json.loads(first)
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(row, dict) and "instance_id" in row


def load_instances(spec: str) -> InstanceSet:
    """``spec`` is a shipped set's name or a path to a ``.jsonl`` file of instances."""
    path = builtin_path(spec) or Path(spec)
    if not path.is_file():
        raise TaskError(f"instance file not found: {spec}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TaskError(f"cannot read instances {path}: {exc}") from None
    instances = tuple(_parse(row, f"{path}:{lineno}") for lineno, row in rows(raw, path))
    if not instances:
        raise TaskError(f"instance file {path} has no instances")
    seen: set[str] = set()
    for inst in instances:
        if inst.instance_id in seen:
            raise TaskError(f"{path}: instance_id {inst.instance_id!r} appears more than once")
        seen.add(inst.instance_id)
    name = spec if spec in BUILTIN else path.name.removesuffix(".jsonl")
    return InstanceSet(name, path, hashlib.sha256(raw).hexdigest(), instances)


def _parse(row: object, where: str) -> RepoInstance:
    if not isinstance(row, dict):
        raise TaskError(f"{where}: expected a JSON object, got {type(row).__name__}")
    bad = [k for k in _REQUIRED if not isinstance(row.get(k), str) or not row[k].strip()]
    bad += [k for k in _OPTIONAL if k in row and not isinstance(row[k], str)]
    if bad:
        raise TaskError(f"{where}: missing, empty or non-string field(s): {', '.join(bad)}")
    if not _COMMIT.match(row["base_commit"]):
        raise TaskError(
            f"{where}: base_commit must be a commit id (7-40 hex digits), got {row['base_commit']!r}"
        )
    f2p, p2p = _ids(row, "FAIL_TO_PASS", where), _ids(row, "PASS_TO_PASS", where)
    if not f2p:
        raise TaskError(f"{where}: FAIL_TO_PASS must name at least one test")
    test_cmd = row.get("test_cmd", "")
    try:
        command = TestCommand.parse(test_cmd)
    except ConfigError as exc:
        raise TaskError(f"{where}: test_cmd: {exc}") from None
    if command.pytest_args is None:
        raise TaskError(f"{where}: test_cmd must run pytest (test ids are pytest node ids), got {test_cmd!r}")
    return RepoInstance(
        row["instance_id"], row["repo"], row["base_commit"], row["problem_statement"], f2p, p2p,
        test_cmd, row.get("hints", ""), row.get("test_patch", ""), row.get("patch", ""),
    )  # fmt: skip


def _ids(row: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = row.get(key)
    if isinstance(value, str):  # SWE-bench stores the lists JSON-encoded
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, list) or not all(isinstance(v, str) and "::" in v for v in value):
        raise TaskError(f"{where}: {key} must be a list of pytest node ids (path::test)")
    return tuple(value)
