"""Running git for the workspace layer: one function, errors as ``TaskError`` with git's own words.

Every call passes ``safe.directory=*``: a worktree handed to the sandbox user belongs to uid 65534
afterwards, and git would otherwise refuse to look at it ("dubious ownership").
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from sparring.errors import ConfigError, TaskError

_BASE = ["git", "-c", "safe.directory=*", "-c", "core.quotepath=off", "-c", "advice.detachedHead=false"]
_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_CONFIG_NOSYSTEM": "1"}


class GitError(TaskError):
    """A git command failed; the message carries git's first error line."""


def git(cwd: str | Path, *args: str, input: str | None = None, check: bool = True) -> str:
    """Run ``git ARGS`` in ``cwd`` and return stdout; raise ``GitError`` on a non-zero exit when ``check``."""
    import os

    proc = subprocess.run(
        [*_BASE, *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        env={**os.environ, **_ENV},
        timeout=120,
        check=False,
    )
    if check and proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()] or [f"exit code {proc.returncode}"]
        raise GitError(f"git {' '.join(args[:2])} failed: {lines[0].strip()}")
    return proc.stdout


def repo_root(path: str | Path) -> Path:
    """The top of the git repository containing ``path``; a clear ``ConfigError`` if there is none."""
    p = Path(path).expanduser()
    if not p.exists():
        raise ConfigError(f"repository path not found: {p}")
    if not p.is_dir():
        raise ConfigError(f"repository path is not a directory: {p}")
    try:
        top = git(p, "rev-parse", "--show-toplevel").strip()
    except GitError:
        raise ConfigError(f"not a git repository: {p}") from None
    return Path(top).resolve()


def resolve_commit(repo: str | Path, rev: str) -> str:
    """The full commit id of ``rev``; a ``ConfigError`` naming the revision when it does not exist."""
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()
    except GitError:
        raise ConfigError(f"unknown revision {rev!r} in {repo}") from None
