"""Summarise a (possibly interrupted) benchmark's results.jsonl over the tasks every workflow finished.

    .venv/bin/python benchmarks/summarize_results.py benchmarks/results/he60-s1 [--write]

Prints the side-by-side table (pass@1 base/plus, tokens, calls, seconds, fixed/broken vs single) for
the common tasks only, so an unfinished run still compares like with like; ``--write`` also writes
report.md, report.json and plot.png into the folder.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console

from sparring.bench.report import write_reports
from sparring.bench.results import read_results
from sparring.bench.summary import summarize
from sparring.errors import SparringError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--write", action="store_true", help="write report.md, report.json and plot.png")
    args = parser.parse_args()
    try:
        results = read_results(args.folder)
    except SparringError as exc:
        parser.error(str(exc))
    workflows = list(dict.fromkeys(r.workflow for r in results))
    tasks_by_wf = {w: {r.task_id for r in results if r.workflow == w} for w in workflows}
    common = set.intersection(*tasks_by_wf.values()) if tasks_by_wf else set()
    kept = [r for r in results if r.task_id in common]
    summary = summarize(
        kept,
        workflows,
        dataset=f"{args.folder.name} ({len(common)} tasks finished by every workflow)",
        sha256=kept[0].dataset_sha256 if kept else "",
        has_plus=any(r.plus is not None for r in kept),
    )
    Console().print(summary)
    print(json.dumps(summary.to_json()["workflows"], indent=1))
    if args.write:
        write_reports(summary, args.folder)


if __name__ == "__main__":
    main()
