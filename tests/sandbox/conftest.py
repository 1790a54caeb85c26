"""Shared fixtures: one real sandbox per backend for the session, and probes that watch the host."""

from __future__ import annotations

import os
import select
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sparring.sandbox import Sandbox, open_sandbox


@pytest.fixture(scope="session")
def default_sandbox() -> Sandbox:
    """The backend ``open_sandbox()`` picks here; the adversarial suite needs a real isolating one."""
    sandbox = open_sandbox()
    if sandbox.name == "process":
        pytest.skip("only the process backend works here: it isolates nothing, so isolation cannot be tested")
    return sandbox


@dataclass
class Loopback:
    """A TCP listener on the host's loopback; sandboxed code must never reach it."""

    sock: socket.socket
    port: int

    def accepted_any(self) -> bool:
        readable, _, _ = select.select([self.sock], [], [], 0.05)
        return bool(readable)


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    try:
        yield Loopback(sock, sock.getsockname()[1])
    finally:
        sock.close()


@dataclass
class Victim:
    """World-writable, world-readable host files: only the sandbox stands between them and the code."""

    root: Path
    secret: Path
    canary: str

    def snapshot(self) -> dict[str, bytes]:
        return {
            str(p.relative_to(self.root)): p.read_bytes() if p.is_file() else b"<dir>"
            for p in self.root.rglob("*")
        }


@pytest.fixture
def victim() -> Iterator[Victim]:
    # Directly under /tmp and world-writable: file permissions would not stop the sandbox user,
    # only the sandbox's own view of the filesystem does.
    root = Path(tempfile.mkdtemp(prefix="sparring-victim-", dir="/tmp"))
    root.chmod(0o777)
    canary = f"CANARY-{os.getpid()}-{time.monotonic_ns()}"
    secret = root / "id_rsa"
    secret.write_text(canary)
    secret.chmod(0o666)
    (root / "keep.txt").write_text("untouched")
    (root / "keep.txt").chmod(0o666)
    try:
        yield Victim(root, secret, canary)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def processes_with(marker: str) -> list[int]:
    """Host pids whose command line contains ``marker`` (forked children inherit it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def wait_gone(marker: str, within: float = 2.0) -> list[int]:
    deadline = time.monotonic() + within
    while (left := processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left
