"""The environment a sandboxed command sees: a small fixed base plus caller variables, minus secrets."""

from __future__ import annotations

import re
from collections.abc import Mapping

_SECRET_NAME = re.compile(
    r"(KEY|TOKEN|SECRET|PASSW|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE)", re.IGNORECASE
)


def is_secret_name(name: str) -> bool:
    """True for variable names that look like they carry a credential (``OPENAI_API_KEY``, ``GH_TOKEN``)."""
    return bool(_SECRET_NAME.search(name))


def sandbox_env(
    extra: Mapping[str, str] | None, *, path: str, home: str, tmp: str = "/tmp"
) -> tuple[dict[str, str], list[str]]:
    """Build the environment of a run from scratch; return it and the names of dropped secret variables.

    Nothing is inherited from the host. Caller variables whose names look like credentials are dropped
    even when passed on purpose: secrets never enter the sandbox.
    """
    env = {
        "PATH": path,
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONNOUSERSITE": "1",
    }
    dropped: list[str] = []
    for name, value in (extra or {}).items():
        if is_secret_name(name):
            dropped.append(name)
        else:
            env[name] = value
    return env, dropped
