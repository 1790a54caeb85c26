"""Where a repository task's commits come from: a local repository, or a git URL or bundle file
cloned once into the cache.

    checkout = repo_source("data/isodate.bundle", relative_to=Path("data"))  # a local git repository
    with worktree(checkout, base_commit) as wt: ...

A local repository is used in place (only its committed state is read). A URL or a bundle is cloned
without a working tree into ``<cache dir>/repos/<name>-<hash>/`` the first time it is asked for;
a bundle's hash covers its bytes, so a rebuilt bundle is cloned afresh.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
import shutil
import tempfile
from pathlib import Path

from sparring.config import cache_dir
from sparring.errors import TaskError
from sparring.workspace import GitError, git, repo_root


def is_remote(spec: str) -> bool:
    return "://" in spec or bool(re.match(r"^[\w.-]+@[\w.-]+:", spec))


def repo_source(spec: str, *, relative_to: Path, cache: Path | None = None) -> Path:
    """A local git repository holding the commits of ``spec`` (a path, a URL or a ``.bundle`` file;
    relative paths are taken from ``relative_to``, the dataset's directory)."""
    if is_remote(spec):
        return _cloned(spec, hashlib.sha256(spec.encode()).hexdigest(), cache)
    path = (relative_to / spec).expanduser() if not Path(spec).is_absolute() else Path(spec)
    if path.is_file():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return _cloned(str(path.resolve()), digest, cache)
    if not path.exists():
        raise TaskError(f"repository not found: {spec} (looked at {path})")
    return repo_root(path)


def _cloned(source: str, digest: str, cache: Path | None) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(source.rstrip("/")).name.removesuffix(".git")) or "repo"
    target = (cache or cache_dir() / "repos") / f"{name.removesuffix('.bundle')}-{digest[:16]}"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f"{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".git").is_dir():
            scratch = Path(tempfile.mkdtemp(prefix=".clone-", dir=target.parent))
            try:
                git(target.parent, "clone", "--quiet", "--no-checkout", source, str(scratch / "repo"))
                (scratch / "repo").rename(target)
            except GitError as exc:
                raise TaskError(f"cannot clone {source}: {exc}") from None
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
    return target


def ensure_commit(repo: Path, commit: str) -> None:
    """Fetch from the origin once if ``commit`` is not in the clone yet; a clear error if it stays missing."""
    if _has(repo, commit):
        return
    with contextlib.suppress(GitError):
        git(repo, "fetch", "--quiet", "origin")
    if not _has(repo, commit):
        raise TaskError(f"base commit {commit} is not in the repository {repo}")


def _has(repo: Path, commit: str) -> bool:
    return bool(git(repo, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", check=False).strip())
