"""Every exception sparring raises on purpose, in one hierarchy.

    SparringError                     base; its message is a one-line, user-readable sentence
    ├── ConfigError                   bad settings, unknown model spec, unknown role/workflow
    ├── ModelError                    anything that went wrong talking to a model
    │   ├── ModelUnavailable          server unreachable, missing SDK, missing/invalid model file
    │   ├── ModelRequestError         the backend refused the request (bad key, bad request)
    │   ├── TransientModelError       worth retrying: rate limit (429), 5xx, timeout
    │   ├── TruncatedOutput           finish reason "length": the reply was cut off
    │   └── MalformedOutput           schema output still invalid after the repair retries
    ├── ModelFetchError               the default model could not be obtained from any source
    ├── BudgetExceeded                a token / call / dollar budget stopped the run (``.reason``)
    ├── SandboxError                  the sandbox could not be set up (never "ran unsandboxed")
    └── TaskError                     a task or dataset that cannot be read (names the file/line)

Library code raises these; only the CLI turns them into messages and exit codes. Errors that steer a
run (a failing test, a rejected review) are not exceptions: they are evidence in the run's state.
"""

from __future__ import annotations

from typing import Any


class SparringError(Exception):
    """Base class: the message is one line a user can act on."""


class ConfigError(SparringError):
    """Invalid configuration: unknown model spec, bad option, unknown role or workflow."""


class ModelError(SparringError):
    """A model call failed."""


class ModelUnavailable(ModelError):
    """The model cannot be reached or loaded (server down, SDK missing, model file missing)."""


class ModelRequestError(ModelError):
    """The backend rejected the request itself; retrying the same request will not help."""


class PromptCutOff(ModelRequestError):
    """The server read only part of the prompt (a context window smaller than the prompt); the reply
    answers a different question, so it is not used. What the call cost is kept on the error."""

    def __init__(self, message: str, *, usage: Any = None) -> None:
        super().__init__(message)
        self.usage = usage


class TransientModelError(ModelError):
    """A failure worth retrying after a pause (429, 5xx, timeout)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TruncatedOutput(ModelError):
    """The model stopped because it hit the token limit; the partial text is kept on the error."""

    def __init__(self, message: str, *, partial: str, usage: Any = None) -> None:
        super().__init__(message)
        self.partial = partial
        self.usage = usage  # what the cut-off call cost (a sparring.llm.Usage)


class MalformedOutput(ModelError):
    """Structured output stayed invalid after the allowed repair retries."""

    def __init__(self, message: str, *, last_text: str, usage: Any = None) -> None:
        super().__init__(message)
        self.last_text = last_text
        self.usage = usage  # what every try cost together (a sparring.llm.Usage)


class ModelFetchError(SparringError):
    """No source yielded a verified copy of the model; the message names every source tried."""


class BudgetExceeded(SparringError):
    """A budget ran out; ``reason`` is the named stop (``budget:tokens``, ``budget:calls``, ...)."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class StaleRun(ConfigError):
    """Another process changed the run first (e.g. decided its gate); nothing of this one was written."""


class GateError(SparringError):
    """What a person gave at an approval gate cannot be used (an edit with no valid content)."""


class SandboxError(SparringError):
    """The sandbox could not be set up; the command did not run at all."""


class TaskError(SparringError):
    """A task, dataset or input file that cannot be used; the message names the file and line."""
