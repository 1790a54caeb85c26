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
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from sparring.bench.benchmark import scorer_for
from sparring.bench.datasets import load_dataset
from sparring.bench.results import RESULTS_NAME, read_results
from sparring.bench.runner import run_parallel
from sparring.bench.scoring import Score
from sparring.errors import SparringError


def rows_of(path: Path, sha256: str) -> list[dict[str, Any]]:
    """Rows with task_id, workflow, solution and the recorded verdicts: a results file (checked to
    be of this dataset file) or an export (which does not record the dataset's hash)."""
    file = path / RESULTS_NAME if path.is_dir() else path
    first = next(iter(file.read_text(encoding="utf-8").splitlines()), "")
    if '"pass_base"' in first:  # an --export
        rows = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [r | {"base": r["pass_base"], "plus": r["pass_plus"]} for r in rows]
    return [asdict(r) for r in read_results(file, sha256)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="a results folder, results.jsonl or an export")
    parser.add_argument("dataset")
    parser.add_argument("--workflow", action="append", default=[], help="only these workflows")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    try:
        data = load_dataset(args.dataset)
        rows = rows_of(args.results, data.sha256)
    except (SparringError, OSError, ValueError, KeyError) as exc:
        parser.error(f"{type(exc).__name__}: {exc}" if not isinstance(exc, SparringError) else str(exc))
    tasks = {t.task_id: t for t in data.tasks}
    rows = [r for r in rows if not args.workflow or r["workflow"] in args.workflow]
    if not rows:
        parser.error(f"no rows{' of ' + ', '.join(args.workflow) if args.workflow else ''} in {args.results}")
    unknown = sorted({r["task_id"] for r in rows} - tasks.keys())
    if unknown:
        parser.error(f"{len(unknown)} task ids are not in {args.dataset}, e.g. {unknown[0]}")
    scorer = scorer_for(data, None, None, None)

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
