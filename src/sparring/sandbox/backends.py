"""Choosing a backend: ``open_sandbox`` picks the strongest that works, ``check_backends`` reports all."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sparring.errors import ConfigError, SandboxError
from sparring.sandbox.bwrap import BwrapSandbox
from sparring.sandbox.container import ContainerSandbox
from sparring.sandbox.process import ProcessSandbox
from sparring.sandbox.types import BackendReport, Sandbox

BACKENDS = ("bwrap", "docker", "podman", "process")
"""Strongest first: the order ``open_sandbox("auto")`` tries them in."""


def _make(name: str) -> Sandbox:
    if name == "bwrap":
        return BwrapSandbox()
    if name == "docker":
        return ContainerSandbox("docker")
    if name == "podman":
        return ContainerSandbox("podman")
    if name == "process":
        return ProcessSandbox()
    raise ConfigError(f"unknown sandbox backend {name!r}; choose one of auto, {', '.join(BACKENDS)}")


def open_sandbox(backend: str = "auto") -> Sandbox:
    """The named backend, or with ``auto`` the strongest one that works on this host.

    Raises ``SandboxError`` if a named backend does not work here (never silently weaker), and
    ``ConfigError`` for an unknown name. ``auto`` ends at ``process``, which warns that it isolates
    nothing from the filesystem or the network.
    """
    if backend != "auto":
        sandbox = _make(backend)
        report = sandbox.report()
        if not report.available:
            raise SandboxError(f"sandbox backend {backend} does not work here: {report.reason}")
        return sandbox
    for name in BACKENDS:
        sandbox = _make(name)
        if name == "process" or sandbox.report().available:
            return sandbox
    raise SandboxError("no sandbox backend works here")  # unreachable: process always works


def showing(sandbox: Sandbox, paths: Sequence[str | Path]) -> Sandbox:
    """``sandbox`` with host ``paths`` visible read-only at the same place (a repository's cached
    environment). The process and fake backends already see the host; they come back unchanged."""
    if not paths:
        return sandbox
    if isinstance(sandbox, BwrapSandbox | ContainerSandbox):
        return sandbox.with_readonly(paths)
    return sandbox


def check_backends() -> list[BackendReport]:
    """Which backends work on this host and which protections each gives (``sparring sandbox --check``)."""
    return [_make(name).report() for name in BACKENDS]
