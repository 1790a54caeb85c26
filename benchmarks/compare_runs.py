"""Compare full runs of one workflow: each run's passes, their mean, and the tasks that flip.

    .venv/bin/python benchmarks/compare_runs.py benchmarks/results/he164 benchmarks/results/he164-r2

Runs of the same code are not bit-reproducible when sequences share one engine, so one run's score
is a draw. Over the tasks every run finished, this prints per run the pass counts (base and, where
the dataset has it, plus), their mean, the tasks passed by every run and by some run, and each
task that flips between runs (the run-to-run noise a single figure hides).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sparring.bench.results import TaskResult, read_results
from sparring.errors import SparringError


def load(path: Path, workflow: str) -> dict[str, TaskResult]:
    return {r.task_id: r for r in read_results(path) if r.workflow == workflow}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, nargs="+", help="result folders (or results.jsonl files)")
    parser.add_argument("--workflow", default="sop")
    args = parser.parse_args()
    if len(args.runs) < 2:
        parser.error("give at least two runs to compare")
    try:
        runs = {str(p): load(p, args.workflow) for p in args.runs}
    except SparringError as exc:
        parser.error(str(exc))
    for name, rows in runs.items():
        if not rows:
            parser.error(f"{name}: no {args.workflow} rows")
    common = sorted(set.intersection(*(set(r) for r in runs.values())), key=_order)
    print(f"{args.workflow}: {len(runs)} runs over the {len(common)} tasks all of them finished")
    for field in ("base", "plus"):
        if any(getattr(rows[t], field) is None for rows in runs.values() for t in common):
            print(f"  {field}: not recorded by every run")
            continue
        counts = []
        for name, rows in runs.items():
            counts.append(sum(bool(getattr(rows[t], field)) for t in common))
            print(f"  {field:4s} {counts[-1]:4d}  {counts[-1] / max(len(common), 1):6.1%}  {name}")
        mean = sum(counts) / len(counts)
        always = sum(all(getattr(rows[t], field) for rows in runs.values()) for t in common)
        ever = sum(any(getattr(rows[t], field) for rows in runs.values()) for t in common)
        share = mean / max(len(common), 1)
        print(f"  {field:4s} mean {mean:.1f} ({share:.1%}); every run {always}, some run {ever}")
    flips = [t for t in common if len({rows[t].passed for rows in runs.values()}) > 1]
    print(f"tasks whose headline verdict differs between runs: {len(flips)}")
    for t in flips:
        marks = " ".join("pass" if rows[t].passed else "FAIL" for rows in runs.values())
        print(f"  {t:20s} {marks}")


def _order(task_id: str) -> tuple[str, int]:
    prefix, _, number = task_id.rpartition("/")
    return (prefix, int(number)) if number.isdigit() else (task_id, 0)


if __name__ == "__main__":
    main()
