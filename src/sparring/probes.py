"""Probe inputs: calls derived from the spec's own examples by small mutations (an empty or reversed
list, a neighbouring or ten-times-larger number, an empty or repeated string), run on every candidate
with no expected value. They cost no tokens. What they reveal is relative: a candidate that raises
or times out where most others return a value has missed a case (or a performance trap), and
candidates that answer the same on many more inputs are more likely the same program.

An input may be invalid for the spec (a negative count, an empty list where one is required); on
such an input most candidates raise or disagree, which is why a probe never fails a candidate by
itself and only the comparison with the other candidates counts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from itertools import zip_longest
from typing import Any

from sparring.evidence import Case
from sparring.tools.examples import literal_arguments

ORIGIN = "probe"
LIMIT = 12


def _mutations(value: Any) -> list[Any]:
    """Nearby values of the same type, most telling first."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        bigger = [value * 10] if 0 < abs(value) <= 1000 else []
        return [0, value + 1, *bigger, value - 1, -value]
    if isinstance(value, float):
        return [0.0, value * 10, -value, value + 0.5]
    if isinstance(value, str):
        return ["", value[::-1], value * 3, value[:1], value.upper(), value.lower()]
    if isinstance(value, (list, tuple)):
        kind = type(value)
        shapes: list[Any] = [[], list(value[:1]), list(value[::-1]), list(value) * 3]
        with contextlib.suppress(TypeError):  # unorderable elements
            shapes.append(sorted(value))
        return [kind(s) for s in shapes]
    if isinstance(value, dict):
        return [{}]
    return []


def _render(entry_point: str, args: list[Any], kwargs: dict[str, Any]) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{entry_point}({', '.join(parts)})"


def _variants(entry_point: str, args: list[Any], kwargs: dict[str, Any]) -> Iterator[str]:
    """One argument changed at a time, interleaved so every argument gets its first mutations early."""
    per_arg = []
    for i, value in enumerate(args):
        per_arg.append(
            [_render(entry_point, [*args[:i], m, *args[i + 1 :]], kwargs) for m in _mutations(value)]
        )
    for rank in zip_longest(*per_arg):
        yield from (call for call in rank if call is not None)


def probe_cases(examples: list[Case], entry_point: str, limit: int = LIMIT) -> list[Case]:
    """Up to ``limit`` probe calls mutated from the examples' literal arguments (none if the examples'
    arguments are not literals), deterministic, none repeating an example."""
    if limit <= 0:
        return []
    seen = {"".join(e.call.split()) for e in examples}
    streams = []
    for example in examples:
        parsed = literal_arguments(example.call, entry_point)
        if parsed is not None:
            streams.append(_variants(entry_point, *parsed))
    probes: list[Case] = []
    for rank in zip_longest(*streams):  # round-robin over the examples
        for call in rank:
            key = "".join(call.split()) if call is not None else ""
            if not key or key in seen or len(call or "") > 2000:
                continue
            seen.add(key)
            probes.append(Case(call=call, origin=ORIGIN))
            if len(probes) >= limit:
                return probes
    return probes
