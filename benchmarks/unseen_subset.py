"""Write the tasks of a held-out split that an earlier benchmark never reached, as a dataset of its own.

Data nobody has looked at, not even as a score: the tasks of `--sample N --seed S --held-out` with no
line in the given results file(s). The rows are copied unchanged (EvalPlus jsonl.gz), so
`sparring bench` runs and scores them exactly as the full dataset.

    python benchmarks/unseen_subset.py ../shared/data/HumanEvalPlus.jsonl.gz --sample 60 --seed 1 \\
        --seen benchmarks/results/heldout-s1/results.jsonl --out /tmp/heldout-unseen.jsonl.gz
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

from sparring.bench.datasets import load_dataset, select_tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset")
    parser.add_argument("--sample", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seen", action="append", default=[], help="a results.jsonl whose tasks were seen")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    data = load_dataset(args.dataset)
    held = select_tasks(data.tasks, sample=args.sample, seed=args.seed, held_out=True)
    lines = [line for path in args.seen for line in Path(path).read_text().splitlines() if line.strip()]
    seen = {json.loads(line)["task_id"] for line in lines}
    keep = {t.task_id for t in held if t.task_id not in seen}
    with gzip.open(args.dataset, "rt") as src:
        chosen = "".join(line for line in src if line.strip() and json.loads(line)["task_id"] in keep)
    # No timestamp in the gzip header: the same subset is the same bytes, so a resume accepts it.
    Path(args.out).write_bytes(gzip.compress(chosen.encode(), mtime=0))
    print(f"{len(keep)} of {len(held)} held-out tasks unseen -> {args.out}")


if __name__ == "__main__":
    main()
