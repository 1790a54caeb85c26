"""rlimits: the second line of defence (the first where no cgroup is writable).

Two ways to apply the same numbers: ``shim_argv`` returns a ``sh``/``prlimit`` prefix that joins the
run's cgroups, sets the limits and execs the real command (cheap: the parent can still use
vfork); ``apply`` does the same from a ``preexec_fn`` for the plain process backend.
"""

from __future__ import annotations

import math
import resource
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sparring.sandbox.types import Limits, MiB

SHIM_FAILED = 125


@dataclass(frozen=True)
class RlimitPlan:
    """The rlimit numbers of one run (``None``: leave unlimited)."""

    address_space: int | None
    file_size: int
    nproc: int | None
    cpu_seconds: int
    open_files: int


def plan(limits: Limits, *, memory_by_cgroup: bool, pids_by_cgroup: bool, nproc: bool = True) -> RlimitPlan:
    """rlimits that back up (or stand in for) the cgroup limits.

    With a memory cgroup, RLIMIT_AS is loose (virtual size is far above resident size for Python); with
    a pids cgroup, RLIMIT_NPROC is loose too, because it counts every process of the sandbox uid, which
    parallel runs share.
    """
    address_space = limits.memory * 2 + 256 * MiB if memory_by_cgroup else limits.memory
    nproc_limit = (limits.pids * 8 if pids_by_cgroup else limits.pids) if nproc else None
    return RlimitPlan(
        address_space=address_space,
        file_size=limits.disk,
        nproc=nproc_limit,
        cpu_seconds=math.ceil(limits.timeout) + 1,
        open_files=limits.open_files,
    )


def shim_argv(p: RlimitPlan, procs_files: Sequence[Path], prlimit: str = "/usr/bin/prlimit") -> list[str]:
    """A command prefix that joins the run's cgroups (``sh``), sets rlimits (``prlimit``), then execs.

    The shell exits 125 if it cannot join a group, before anything of the command has run.
    """
    prefix: list[str] = []
    if procs_files:
        fail = f" || exit {SHIM_FAILED}"
        lines = [f"echo $$ > {shlex.quote(str(f))}{fail}" for f in procs_files]
        prefix = ["/bin/sh", "-c", "\n".join([*lines, 'exec "$@"']), "sparring-shim"]
    limits = [
        "--core=0",
        f"--fsize={p.file_size}",
        f"--cpu={p.cpu_seconds}",
        f"--nofile={p.open_files}",
    ]
    if p.address_space is not None:
        limits.append(f"--as={p.address_space}")
    if p.nproc is not None:
        limits.append(f"--nproc={p.nproc}")
    return [*prefix, prlimit, *limits, "--"]


def apply(p: RlimitPlan) -> None:
    """Set the rlimits on the current process (call from a ``preexec_fn``)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (p.file_size, p.file_size))
    resource.setrlimit(resource.RLIMIT_CPU, (p.cpu_seconds, p.cpu_seconds))
    resource.setrlimit(resource.RLIMIT_NOFILE, (p.open_files, p.open_files))
    if p.address_space is not None:
        resource.setrlimit(resource.RLIMIT_AS, (p.address_space, p.address_space))
    if p.nproc is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (p.nproc, p.nproc))
