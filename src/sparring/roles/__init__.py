"""Roles are data: a TOML file per role (prompt templates, temperature, token limit, output kind, tools).

Built-in roles ship in this folder; users add or override roles with their own files
(``--roles DIR`` or a team file). Templates are Jinja2 with strict undefined variables, so a
template that names a variable the workflow did not pass fails loudly instead of rendering blank.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jinja2

from sparring.errors import ConfigError
from sparring.llm.types import Message

Output = Literal["code", "tests", "text", "json"]

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    system: str
    prompt: str
    temperature: float = 0.0
    max_tokens: int = 1024
    output: Output = "text"
    tools: tuple[str, ...] = ()
    prefill: str = ""  # the start of the reply, continued by models that can (see Model.complete)
    source: str = "built-in"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def messages(self, **variables: Any) -> list[Message]:
        """The role's system and user messages for these variables."""
        system = self._render(self.system, variables).strip()
        user = self._render(self.prompt, variables).strip()
        prefill = self._render(self.prefill, variables) if self.prefill else ""
        start = [Message.assistant(prefill)] if prefill else []
        return ([Message.system(system)] if system else []) + [Message.user(user)] + start

    def template(self, key: str, **variables: Any) -> str:
        """Another template of the role file by its key (e.g. the test designer's ``revise``)."""
        text = self.extra.get(key)
        if not isinstance(text, str):
            raise ConfigError(f"role {self.name!r} ({self.source}) has no {key!r} template")
        return self._render(text, variables).strip()

    def _render(self, text: str, variables: Mapping[str, Any]) -> str:
        try:
            return _ENV.from_string(text).render(**variables)
        except jinja2.UndefinedError as exc:
            raise ConfigError(f"role {self.name!r} ({self.source}): template needs {exc.message}") from None
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(
                f"role {self.name!r} ({self.source}): bad template line {exc.lineno}: {exc}"
            ) from None


_FIELDS = {
    "name",
    "description",
    "system",
    "prompt",
    "temperature",
    "max_tokens",
    "output",
    "tools",
    "prefill",
}


def parse_role(text: str, source: str) -> Role:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"role file {source} is not valid TOML: {exc}") from None
    missing = {"name", "prompt"} - set(data)
    if missing:
        raise ConfigError(f"role file {source} lacks {', '.join(sorted(missing))}")
    if data.get("output", "text") not in ("code", "tests", "text", "json"):
        raise ConfigError(f"role file {source}: output must be code, tests, text or json")
    try:
        return Role(
            name=str(data["name"]),
            description=str(data.get("description", "")),
            system=str(data.get("system", "")),
            prompt=str(data["prompt"]),
            temperature=float(data.get("temperature", 0.0)),
            max_tokens=int(data.get("max_tokens", 1024)),
            output=data.get("output", "text"),
            tools=tuple(data.get("tools", ())),
            prefill=str(data.get("prefill", "")),
            source=source,
            extra={k: v for k, v in data.items() if k not in _FIELDS},
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"role file {source}: {exc}") from None


def builtin_roles() -> dict[str, Role]:
    roles = {}
    for entry in resources.files(__name__).iterdir():
        if entry.name.endswith(".toml"):
            role = parse_role(entry.read_text(encoding="utf-8"), f"built-in {entry.name}")
            roles[role.name] = role
    return roles


def load_roles(extra: Iterable[Path | str] = ()) -> dict[str, Role]:
    """Built-in roles, overridden or extended by user role files (files or directories of ``*.toml``)."""
    roles = builtin_roles()
    for item in extra:
        path = Path(item)
        files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
        for file in files:
            if not file.is_file():
                raise ConfigError(f"role file not found: {file}")
            role = parse_role(file.read_text(encoding="utf-8"), str(file))
            roles[role.name] = role
    return roles


__all__ = ["Role", "builtin_roles", "load_roles", "parse_role"]
