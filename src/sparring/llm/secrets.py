"""API keys: read from the environment or the config file, and scrubbed from anything we print."""

from __future__ import annotations

import os
import re

from sparring.config import load_config

_KEY_LIKE = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,}|sk-ant-[A-Za-z0-9_\-]{8,})\b")


def api_key(env_var: str, config_name: str) -> str | None:
    """The environment wins over the config file's ``[keys]`` table."""
    value = os.environ.get(env_var)
    if value:
        return value
    keys = load_config().get("keys", {})
    found = keys.get(config_name) if isinstance(keys, dict) else None
    return str(found) if found else None


def redact(text: str, *secrets: str | None) -> str:
    """Remove known secrets and anything shaped like an API key."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _KEY_LIKE.sub("[redacted]", text)
