"""The sandbox seam: run untrusted generated code under limits and get a typed ``Execution`` back.

    sandbox = open_sandbox()                 # bwrap > docker > podman > process
    result = sandbox.run(["python", "-c", "print(1)"], limits=Limits(timeout=5))
    result.verdict, result.exit_code, result.stdout, result.backend

``FakeSandbox`` answers from a function and executes nothing, for tests of other modules.
"""

from __future__ import annotations

from sparring.sandbox.backends import BACKENDS, check_backends, open_sandbox, showing
from sparring.sandbox.bwrap import BwrapSandbox
from sparring.sandbox.container import ContainerSandbox
from sparring.sandbox.fake import Call, FakeSandbox, execution
from sparring.sandbox.process import ProcessSandbox
from sparring.sandbox.types import (
    TRUNCATION_MARKER,
    BackendReport,
    Execution,
    Limits,
    Protection,
    Sandbox,
    Verdict,
)

__all__ = [
    "BACKENDS",
    "TRUNCATION_MARKER",
    "BackendReport",
    "BwrapSandbox",
    "Call",
    "ContainerSandbox",
    "Execution",
    "FakeSandbox",
    "Limits",
    "ProcessSandbox",
    "Protection",
    "Sandbox",
    "Verdict",
    "check_backends",
    "execution",
    "open_sandbox",
    "showing",
]
