"""One real sandbox for the tools tests (the strongest backend here; the tools need no isolation)."""

from __future__ import annotations

import pytest

from sparring.sandbox import Sandbox, open_sandbox


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    return open_sandbox()
