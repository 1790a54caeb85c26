"""sparring: a team of LLM agents that builds, attacks and repairs code until evidence says it is right."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
