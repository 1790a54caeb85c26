"""A repository's own Python environment, built once per repository and dependency files.

    env = repo_environment(checkout, "isodate")      # cached under <cache dir>/repo-envs/
    sandbox = showing(open_sandbox(), env.readonly)  # the sandbox sees the environment read-only
    run_tests(sandbox, worktree, TestCommand(), interpreter=env.interpreter)

The environment is a virtual environment keyed by the repository's name and the SHA-256 of its
dependency files (``pyproject.toml``, ``setup.cfg``, ``setup.py``, ``requirements*.txt``) at that
commit. It is created outside the sandbox, and its one ``pip install`` (the declared dependencies,
never the project itself) is the only step of a repository task that may use the network. Tests then
run inside the sandbox, without network, with the environment's interpreter; sparring's own
packages (pytest, hypothesis) come after the repository's on its path, and a ``src/`` layout's
import root is put on ``PYTHONPATH`` as an editable install would.
"""

from __future__ import annotations

import configparser
import fcntl
import hashlib
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sparring.config import cache_dir
from sparring.errors import TaskError
from sparring.repo.testing import Interpreter

READY = ".sparring-ready"
TEST_EXTRAS = ("test", "tests", "testing")
Installer = Callable[[Path, Sequence[str]], None]
"""``installer(python, requirements)`` installs ``requirements`` into the environment of ``python``."""


@dataclass(frozen=True)
class RepoEnvironment:
    """The interpreter a repository's tests run with, and the host directories the sandbox must show."""

    interpreter: Interpreter
    readonly: tuple[str, ...] = ()


def dependency_files(root: Path) -> list[str]:
    names = ["pyproject.toml", "setup.cfg", "setup.py"]
    names += sorted(p.name for p in root.glob("requirements*.txt"))
    return [n for n in names if (root / n).is_file()]


def dependency_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for name in dependency_files(root):
        digest.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    return digest.hexdigest()


def requirements(root: Path) -> list[str]:
    """The declared dependencies: ``requirements*.txt`` (as ``-r`` files), ``[project]`` dependencies
    and test extras of ``pyproject.toml``, ``install_requires`` and test extras of ``setup.cfg``.
    ``setup.py`` is only hashed: its dependencies are code, not data."""
    out: list[str] = []
    for name in dependency_files(root):
        path = root / name
        try:
            if name.startswith("requirements"):
                out += ["-r", str(path)]
            elif name == "pyproject.toml":
                project = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {})
                extras = project.get("optional-dependencies", {})
                out += list(project.get("dependencies", []))
                out += [r for key in TEST_EXTRAS for r in extras.get(key, [])]
            elif name == "setup.cfg":
                cfg = configparser.ConfigParser()
                cfg.read_string(path.read_text(encoding="utf-8"))
                out += _lines(cfg.get("options", "install_requires", fallback=""))
                out += [
                    r
                    for key in TEST_EXTRAS
                    for r in _lines(cfg.get("options.extras_require", key, fallback=""))
                ]
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, configparser.Error) as exc:
            raise TaskError(f"cannot read {path}: {exc}") from None
    return out


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def import_roots(root: Path) -> tuple[str, ...]:
    """``("src",)`` for a src layout (packages under ``src/``), else nothing: the worktree is the
    working directory, already on the path of ``python -m pytest``."""
    src = root / "src"
    return ("src",) if src.is_dir() and any(src.glob("*/__init__.py")) else ()


def pip_install(python: Path, reqs: Sequence[str]) -> None:
    """Install ``reqs`` into the environment of ``python`` with sparring's own pip (network allowed)."""
    argv = [sys.executable, "-m", "pip", "--python", str(python), "install", "--disable-pip-version-check"]
    proc = subprocess.run([*argv, "-q", *reqs], capture_output=True, text=True, timeout=900, check=False)
    if proc.returncode != 0:
        lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()] or [f"exit {proc.returncode}"]
        error = next((ln for ln in lines if ln.startswith("ERROR")), lines[-1])
        raise TaskError(f"pip could not install them: {error}")


def repo_environment(
    root: Path, name: str, *, cache: Path | None = None, installer: Installer = pip_install
) -> RepoEnvironment:
    """The cached environment of the checkout at ``root`` (built now if it is not there yet)."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "repo"
    target = (cache or cache_dir() / "repo-envs") / f"{slug}-{dependency_digest(root)[:16]}"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f"{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder per environment; the others wait and reuse it
        if not (target / READY).is_file():
            _build(target, requirements(root), installer, name)
    python = target / "bin" / "python"
    return RepoEnvironment(Interpreter(str(python), import_roots(root)), (str(target),))


def _build(target: Path, reqs: list[str], installer: Installer, name: str) -> None:
    shutil.rmtree(target, ignore_errors=True)  # a half-built one from an interrupted run
    venv.EnvBuilder(with_pip=False, symlinks=True).create(target)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(target), "platbase": str(target)}))
    # sparring's packages (pytest, hypothesis) after the repository's own, which come first
    (site / "zz-sparring-tools.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    if reqs:
        try:
            installer(target / "bin" / "python", reqs)
        except TaskError as exc:
            shutil.rmtree(target, ignore_errors=True)
            raise TaskError(f"cannot install the dependencies of {name}: {exc}") from None
    (target / READY).write_text("\n".join(reqs) + "\n", encoding="utf-8")
