"""What the two official SDK backends share: error translation, key scrubbing, the remote-call guard."""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlparse

from sparring.errors import ModelError, ModelRequestError, ModelUnavailable, TransientModelError
from sparring.llm.secrets import redact

BLOCK_ENV = "SPARRING_BLOCK_REMOTE_MODELS"


def is_loopback(base_url: str | None) -> bool:
    host = urlparse(base_url or "").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def guard_remote(base_url: str | None, provider: str) -> None:
    """Tests set SPARRING_BLOCK_REMOTE_MODELS=1 so no test can reach a hosted model by accident."""
    if os.environ.get(BLOCK_ENV) == "1" and not is_loopback(base_url):
        raise ModelRequestError(
            f"{provider}: requests to non-loopback model servers are blocked ({BLOCK_ENV}=1)"
        )


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    value = headers.get("retry-after") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def translate(exc: Exception, provider: str, secret: str | None) -> ModelError:
    """Map an SDK exception (openai or anthropic: same shapes) to our hierarchy, with keys scrubbed."""
    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    detail = redact(str(exc), secret)[:300]
    if name in ("APITimeoutError",):
        return TransientModelError(f"{provider}: request timed out")
    if name == "APIConnectionError":
        return ModelUnavailable(f"{provider}: cannot reach the server ({detail})")
    if status == 429 or (isinstance(status, int) and status >= 500) or status == 408:
        return TransientModelError(f"{provider}: HTTP {status}: {detail}", retry_after=_retry_after(exc))
    if status in (401, 403):
        return ModelRequestError(f"{provider}: authentication failed (HTTP {status}); check the API key")
    if status is not None:
        return ModelRequestError(f"{provider}: HTTP {status}: {detail}")
    return ModelRequestError(f"{provider}: {name}: {detail}")
