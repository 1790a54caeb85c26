"""The OASIS SARIF 2.1.0 schema (vendored in data/, provenance in data/README.md) as a validator."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@cache
def validator() -> Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    # FormatChecker() with no drafts named checks every format it knows, "uri-reference" included
    # (jsonschema ties that one to draft 6+, but SARIF's draft-04 schema uses it for artifact URIs).
    return Draft4Validator(schema, format_checker=FormatChecker())


def schema_errors(log: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(log)]


def assert_valid_sarif(log: Any) -> None:
    errors = schema_errors(log)
    assert not errors, "\n".join(errors)
