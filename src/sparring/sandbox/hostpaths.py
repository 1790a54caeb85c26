"""Which host paths a sandbox shows read-only: the system, and the interpreter running sparring.

Generated code runs with ``sys.executable`` and its site-packages (pytest, coverage, hypothesis), so
the real interpreter prefix and the virtualenv are bound read-only, at both their given and their
resolved paths. A path that is, or contains, the user's home directory is never bound: a pyenv
interpreter under ``/root/.pyenv`` is shown, ``/root`` itself (with ``~/.ssh``) is not.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

SYSTEM_DIRS = ("/usr",)
SYSTEM_TOP_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/hosts",
    "/etc/ssl/certs",
    "/etc/mime.types",
)


@dataclass(frozen=True)
class Bind:
    """A host path shown read-only inside the sandbox at ``dest``."""

    source: str
    dest: str


def _inside(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def _forbidden(path: Path) -> bool:
    """Never bind the filesystem root or a directory that contains a home directory."""
    home = Path(os.path.expanduser("~")).resolve()
    return path == Path("/") or _inside(home, path)


def interpreter_binds() -> list[Bind]:
    """Read-only binds that make ``sys.executable`` and its packages work inside the sandbox."""
    raw = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    raw.add(str(Path(os.path.realpath(sys.executable)).parent.parent))
    binds: dict[str, Bind] = {}
    for item in sorted(raw):
        given = Path(os.path.abspath(item))
        real = given.resolve()
        if not real.is_dir() or _forbidden(real) or any(_inside(real, Path(s)) for s in SYSTEM_DIRS):
            continue
        for dest in {str(given), str(real)}:
            binds[dest] = Bind(str(real), dest)
    # Binding a parent makes its children redundant; keep the outermost only.
    dests = sorted(binds)
    return [binds[d] for d in dests if not any(d != o and _inside(Path(d), Path(o)) for o in dests)]


def system_top_links() -> list[tuple[str, str | None]]:
    """Top-level system entries: (path, symlink target) for links, (path, None) for real directories."""
    out: list[tuple[str, str | None]] = []
    for top in SYSTEM_TOP_LINKS:
        if os.path.islink(top):
            out.append((top, os.readlink(top)))
        elif os.path.isdir(top):
            out.append((top, None))
    return out


def etc_files() -> list[str]:
    return [p for p in ETC_FILES if os.path.exists(p)]
