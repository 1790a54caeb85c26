"""The model seam: ``Model.complete(messages, *, schema=None, **options) -> Reply``."""

from sparring.llm.cache import ResponseCache
from sparring.llm.meter import Budget, Meter
from sparring.llm.model import Backend, Model, RetryPolicy
from sparring.llm.scripted import ScriptedBackend
from sparring.llm.spec import open_model
from sparring.llm.types import Completion, Message, Reply, Request, Usage

__all__ = [
    "Backend",
    "Budget",
    "Completion",
    "Message",
    "Meter",
    "Model",
    "Reply",
    "Request",
    "ResponseCache",
    "RetryPolicy",
    "ScriptedBackend",
    "Usage",
    "open_model",
]
