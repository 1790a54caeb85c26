"""Score recorded solutions again and check the recorded verdicts: a results file or an export, re-run.

    .venv/bin/python benchmarks/rescore.py benchmarks/results/he164 ../shared/data/HumanEvalPlus.jsonl.gz \
        [--workflow sop] [--workers 2]

Every row's `solution` is scored afresh on the dataset's hidden tests, in the sandbox, by the same
scorer `sparring bench` uses; the new base/plus verdicts are compared with the recorded ones. Prints
the counts per workflow (recorded against re-scored) and every row that disagrees; exits 1 if any
does. A verdict near a time limit can flip on a loaded machine: such rows say `timeout` in the reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from functools import partial
from pathlib import Path
from typing import Any

from sparring.bench.benchmark import _scorer
from sparring.bench.datasets import load_dataset
from sparring.bench.runner import run_parallel
from sparring.bench.scoring import Score


def rows_of(path: Path) -> list[dict[str, Any]]:
    """Rows with task_id, workflow, solution and the recorded verdicts (results.jsonl or an export)."""
    file = path / "results.jsonl" if path.is_dir() else path
    rows = []
    for line in file.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue  # a line cut short by an interrupted run
        if isinstance(row, dict) and {"task_id", "workflow", "solution"} <= row.keys():
            rows.append(
                {
                    **row,
                    "base": row.get("base", row.get("pass_base")),
                    "plus": row.get("plus", row.get("pass_plus")),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="a results folder, results.jsonl or an export")
    parser.add_argument("dataset")
    parser.add_argument("--workflow", action="append", default=[], help="only these workflows")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if not args.results.exists():
        parser.error(f"not found: {args.results}")
    data = load_dataset(args.dataset)
    tasks = {t.task_id: t for t in data.tasks}
    rows = [r for r in rows_of(args.results) if not args.workflow or r["workflow"] in args.workflow]
    unknown = sorted({r["task_id"] for r in rows} - tasks.keys())
    if unknown:
        parser.error(f"{len(unknown)} task ids are not in {args.dataset}, e.g. {unknown[0]}")
    scorer = _scorer(data, None, None, None)

    def job(index: int) -> tuple[int, Score]:
        return index, scorer.score(tasks[rows[index]["task_id"]], rows[index]["solution"])

    done = 0

    def progress(_: tuple[int, Score]) -> None:
        nonlocal done
        done += 1
        print(f"\r{done}/{len(rows)} scored", end="", file=sys.stderr, flush=True)

    scored = dict(
        run_parallel([partial(job, i) for i in range(len(rows))], workers=args.workers, on_done=progress)
    )
    print(file=sys.stderr)
    scores = [scored[i] for i in range(len(rows))]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    disagreements = []
    for row, score in zip(rows, scores, strict=True):
        c = counts[row["workflow"]]
        c[0] += 1
        c[1] += bool(row["base"])
        c[2] += score.base
        c[3] += bool(row["plus"])
        c[4] += bool(score.plus)
        if bool(row["base"]) != score.base or (
            row["plus"] is not None and bool(row["plus"]) != bool(score.plus)
        ):
            reason = score.plus_reason or score.base_reason
            disagreements.append(
                f"  {row['task_id']} {row['workflow']}: recorded base={row['base']} plus={row['plus']}, "
                f"re-scored base={score.base} plus={score.plus} ({reason[:80]})"
            )
    for workflow, (n, base, base_now, plus, plus_now) in counts.items():
        print(f"{workflow}: {n} rows; base {base} recorded, {base_now} re-scored; plus {plus}, {plus_now}")
    print(f"{len(disagreements)} rows disagree")
    print("\n".join(disagreements))
    sys.exit(1 if disagreements else 0)


if __name__ == "__main__":
    main()
