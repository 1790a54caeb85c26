"""The host side of a run's workspace: create it, write input files, measure it, read results back.

Everything here treats the workspace as hostile after a run: sizes are measured without following
symlinks, and collected files are opened with ``O_NOFOLLOW`` beneath the workspace only, so a result
file replaced by a symlink to ``~/.ssh/id_rsa`` is refused rather than read by the host.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath

from sparring.errors import SandboxError

_COLLECT_CAP = 16 * 1024 * 1024


def safe_relative(name: str) -> PurePosixPath:
    """Validate a workspace-relative path: no absolute paths, no ``..``, not empty."""
    rel = PurePosixPath(name)
    if rel.is_absolute() or not rel.parts or ".." in rel.parts:
        raise SandboxError(f"workspace path must be relative and stay inside the workspace: {name!r}")
    return rel


@contextlib.contextmanager
def workspace(workdir: str | Path | None) -> Iterator[Path]:
    """Yield the host directory of a run: ``workdir`` as given, or a scratch directory removed afterwards."""
    if workdir is not None:
        path = Path(workdir).resolve()
        if not path.is_dir():
            raise SandboxError(f"workspace {path} is not a directory")
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix="sparring-ws-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def write_files(root: Path, files: Mapping[str, str | bytes] | None) -> None:
    """Write input files beneath ``root``; refuse paths that would leave it or pass through a symlink."""
    for name, content in (files or {}).items():
        rel = safe_relative(name)
        target = root.joinpath(*rel.parts)
        _refuse_symlinks(root, rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        target.write_bytes(data)


def hand_over(root: Path, uid: int, gid: int) -> None:
    """Give the workspace tree to the sandbox user (used when the caller is root and drops privileges).

    The root directory also gets search permission for others: bubblewrap enters it after dropping its
    capabilities, before it switches to the sandbox uid.
    """
    os.lchown(root, uid, gid)
    os.chmod(root, stat.S_IMODE(os.stat(root).st_mode) | 0o711)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), uid, gid)


def disk_usage(root: Path) -> int:
    """Bytes allocated beneath ``root``, counting each inode once and following no symlink."""
    total, seen = 0, set()
    stack = [str(root)]
    while stack:
        current = stack.pop()
        with contextlib.suppress(OSError), os.scandir(current) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    st = entry.stat(follow_symlinks=False)
                    if (st.st_dev, st.st_ino) in seen:
                        continue
                    seen.add((st.st_dev, st.st_ino))
                    total += max(st.st_blocks * 512, 0)
                    if stat.S_ISDIR(st.st_mode):
                        stack.append(entry.path)
    return total


def collect(root: Path, names: Sequence[str], cap: int = _COLLECT_CAP) -> dict[str, bytes]:
    """Read requested result files; missing, oversized or symlinked ones are left out."""
    out: dict[str, bytes] = {}
    for name in names:
        rel = safe_relative(name)
        with contextlib.suppress(OSError, SandboxError):
            _refuse_symlinks(root, rel)
            fd = os.open(root.joinpath(*rel.parts), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    continue
                data = fh.read(cap + 1)
            if len(data) <= cap:
                out[name] = data
    return out


def _refuse_symlinks(root: Path, rel: PurePosixPath) -> None:
    current = root
    for part in rel.parts:
        current = current / part
        if current.is_symlink():
            raise SandboxError(f"workspace path {rel} passes through a symlink")
