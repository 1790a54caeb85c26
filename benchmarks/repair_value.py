"""What repair rounds bought: for every finished run of a workflow in a run store, the chosen code at
the end of round 0 against the final code, both scored on the dataset's hidden tests, and the tokens
spent from the first repair on.

Round 0 of a run that went on to repair is exactly the run it would have been with ``max_rounds = 1``,
so the "without repair" row is that setting's outcome, not an estimate. Only this report looks at
hidden tests; the runs themselves never saw them.

    python benchmarks/repair_value.py /tmp/bench-unseen-v4.db ../shared/data/HumanEvalPlus.jsonl.gz
"""

from __future__ import annotations

import argparse
import json
import sqlite3

from replay_selection import first_round, open_runs


def repair_tokens(db: sqlite3.Connection, run_id: str) -> tuple[int, int, bool]:
    """(all tokens, tokens from the first repair on, whether the run repaired at all)."""
    total = after = 0
    repairing = False
    query = "SELECT kind, payload FROM events WHERE run_id=? ORDER BY seq"
    for kind, raw in db.execute(query, (run_id,)):
        event = json.loads(raw)
        if kind == "edge" and event.get("to") == "reflect":
            repairing = True
        if kind == "message":
            tokens = event.get("tokens") or {}
            spent = int(tokens.get("total", 0)) if isinstance(tokens, dict) else int(tokens)
            total += spent
            after += spent if repairing else 0
    return total, after, repairing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("dataset")
    parser.add_argument("--workflow", default="sop")
    args = parser.parse_args()
    tasks, scorer, db, runs = open_runs(args.store, args.dataset, args.workflow)
    n = repaired = with_repair = without_repair = fixed = broken = tokens = repair_spent = 0
    for run_id in runs:
        state = first_round(db, run_id)
        latest = "SELECT state FROM checkpoints WHERE run_id=? ORDER BY step DESC LIMIT 1"
        row = db.execute(latest, (run_id,)).fetchone()
        if state is None or row is None:
            continue
        task = tasks[state["task"]["task_id"]]
        final = json.loads(row[0])
        total, after, repairing = repair_tokens(db, run_id)
        n += 1
        tokens += total
        before = scorer.score(task, state["code"]).passed
        end = scorer.score(task, final["code"]).passed if repairing else before
        without_repair += before
        with_repair += end
        if repairing:
            repaired += 1
            repair_spent += after
            fixed += end and not before
            broken += before and not end
    print(f"{n} runs, {repaired} with a repair round")
    print(f"plus pass: {with_repair} as run, {without_repair} at the end of round 0 (max_rounds = 1)")
    print(f"repairs fixed {fixed}, broke {broken}")
    count = max(n, 1)
    kept = tokens - repair_spent
    print(f"tokens per run: {tokens / count:,.0f} as run, {kept / count:,.0f} without repair")


if __name__ == "__main__":
    main()
