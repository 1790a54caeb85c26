"""Replay candidate selection offline: which candidate would each rule have chosen, and would it pass?

A tuning aid, for the data a team is tuned on only. It reads a run store of `sop` runs, takes the
candidates of each run's first round (after widening, with their executed evidence), applies several
selection rules to them, and scores the chosen code on the dataset's hidden tests. The `oracle` row
(any candidate passes) is a ceiling and never a rule. Selection itself sees only executed evidence,
as in the workflow; only this report looks at hidden tests.

    python benchmarks/replay_selection.py /tmp/bench-v3.db ../shared/data/HumanEvalPlus.jsonl.gz
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from sparring.bench.benchmark import scorer_for
from sparring.bench.datasets import load_dataset
from sparring.evidence import Case, Evidence, Outcome, run_cases
from sparring.probes import probe_cases
from sparring.sandbox import open_sandbox
from sparring.workflows.state import Candidate
from sparring.workflows.steps import lone_crashes, select

Rule = Callable[[list[Candidate]], Candidate]


def _ev(c: Candidate) -> Evidence:
    return c.evidence or Evidence()


def _by_support(weight: Callable[[Evidence], int]) -> Rule:
    def rule(cands: list[Candidate]) -> Candidate:
        sizes = Counter(_ev(c).behaviour() for c in cands)
        return max(cands, key=lambda c: (_ev(c).passes_trusted(), sizes[_ev(c).behaviour()] * weight(_ev(c))))

    return rule


def _crashes(ev: Evidence) -> int:
    """Designed inputs on which the candidate raised (an invalid input may make every candidate raise)."""
    return sum(1 for o in ev.outcomes if o.error and o.case.origin == "generated" and o.passed is not True)


def _support(cands: list[Candidate], c: Candidate) -> int:
    size = sum(1 for x in cands if _ev(x).behaviour() == _ev(c).behaviour())
    return size * (1 + _ev(c).count_passed("generated"))


RULES: dict[str, Rule] = {
    "greedy": lambda cands: cands[0],
    "first passing examples (sample@K)": lambda cands: next(
        (c for c in cands if _ev(c).passes_trusted()), cands[0]
    ),
    "cluster size x (1 + designed passed) (sop v3)": _by_support(lambda ev: 1 + ev.count_passed("generated")),
    "cluster size (inputs only)": _by_support(lambda ev: 1),
    "designed passed, then cluster size": lambda cands: max(
        cands,
        key=lambda c: (
            _ev(c).passes_trusted(),
            _ev(c).count_passed("generated"),
            Counter(_ev(x).behaviour() for x in cands)[_ev(c).behaviour()],
        ),
    ),
    "fewest crashes, then sop v3": lambda cands: max(
        cands, key=lambda c: (_ev(c).passes_trusted(), -_crashes(_ev(c)), _support(cands, c))
    ),
    "fewest lone crashes, cluster size, designed passed only to break ties": lambda cands: max(
        cands,
        key=lambda c: (
            _ev(c).passes_trusted(),
            -lone_crashes(cands, c),
            Counter(_ev(x).behaviour() for x in cands)[_ev(c).behaviour()],
            _ev(c).count_passed("generated"),
        ),
    ),
    "sop as shipped (steps.select: fewest lone crashes, then sop v3)": lambda cands: select(cands)[0],
}


def with_probes(cands: list[Candidate], state: dict[str, Any], limit: int, sandbox: Any) -> list[Candidate]:
    """The candidates with their evidence extended by probe inputs mutated from the run's examples,
    as a run with ``probes = limit`` would have had it; a probe run that gives no result counts as a
    crash on every probe."""
    examples = [Case.model_validate(c) for c in state.get("examples", [])]
    probes = [] if state.get("probes") else probe_cases(examples, state["task"]["entry_point"], limit)
    out = []
    for c in cands:
        extra = run_cases(sandbox, c.code, probes) if probes else Evidence()
        outcomes = extra.outcomes
        if probes and (extra.load_error or len(outcomes) < len(probes)):
            outcomes = [Outcome(case=p, error="ProbeFailed: no result") for p in probes]
        ev = _ev(c)
        evidence = Evidence(outcomes=ev.outcomes + outcomes, load_error=ev.load_error, verdict=ev.verdict)
        out.append(Candidate(code=c.code, author=c.author, evidence=evidence))
    return out


def widened_when_disputed(cands: list[Candidate], k: int, share: float) -> tuple[Candidate, int]:
    """sop's choice among the first ``k`` candidates when it passes the trusted tests and at least
    ``share`` of them behave like it; otherwise its choice among all: (chosen, candidates drawn)."""
    first = cands[:k]
    best, _ = select(first)
    same = sum(1 for c in first if _ev(c).behaviour() == _ev(best).behaviour())
    if _ev(best).passes_trusted() and same >= share * len(first):
        return best, len(first)
    return select(cands)[0], len(cands)


def first_round(db: sqlite3.Connection, run_id: str) -> dict[str, Any] | None:
    """The state at the end of round 0: the last checkpoint before any repair round began."""
    chosen = None
    for (raw,) in db.execute("SELECT state FROM checkpoints WHERE run_id=? ORDER BY step", (run_id,)):
        state = json.loads(raw)
        if state.get("round", 0) > 0:
            break
        if state.get("candidates") and all(c.get("evidence") for c in state["candidates"]):
            chosen = state
    return chosen


def open_runs(
    store: str, dataset: str, workflow: str
) -> tuple[dict[str, Any], Any, sqlite3.Connection, list[str]]:
    """The dataset's tasks by id, its hidden-test scorer, the run store, its finished runs of ``workflow``."""
    data = load_dataset(dataset)
    db = sqlite3.connect(store)
    query = "SELECT run_id FROM runs WHERE workflow=? AND status!='running'"
    runs = [r for (r,) in db.execute(query, (workflow,))]
    return {t.task_id: t for t in data.tasks}, scorer_for(data, None, None, None), db, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("dataset")
    parser.add_argument("--workflow", default="sop")
    parser.add_argument(
        "--first", type=int, action="append", default=[], help="also replay on each run's first N candidates"
    )
    parser.add_argument(
        "--probes",
        type=int,
        default=0,
        help="also run N probe inputs on the candidates (if the run had none)",
    )
    args = parser.parse_args()
    tasks, scorer, db, runs = open_runs(args.store, args.dataset, args.workflow)
    wins: dict[str, int] = defaultdict(int)
    drawn: dict[str, int] = defaultdict(int)  # candidates an adaptive rule drew, summed over runs
    sizes: Counter[int] = Counter()
    verdicts: dict[tuple[str, str], bool] = {}
    sandbox = open_sandbox() if args.probes else None
    n = 0
    for run_id in runs:
        state = first_round(db, run_id)
        if state is None:
            continue
        task = tasks[state["task"]["task_id"]]
        cands = [Candidate.model_validate(c) for c in state["candidates"]]
        sizes[len(cands)] += 1
        for c in cands:
            if (task.task_id, c.code) not in verdicts:
                verdicts[task.task_id, c.code] = scorer.score(task, c.code).passed
        n += 1
        pools = {"all": cands} | {f"first {k}": cands[:k] for k in args.first if k > 0}
        for pool, some in pools.items():
            for name, rule in RULES.items():
                wins[f"{pool}: {name}"] += verdicts[task.task_id, rule(some).code]
            wins[f"{pool}: oracle (ceiling, not a rule)"] += any(verdicts[task.task_id, c.code] for c in some)
        for k in args.first:
            for share in (1.0, 0.75, 0.5):
                chosen, used = widened_when_disputed(cands, k, share)
                name = f"first {k}, or all unless its choice passes the examples with ≥{share:.0%} agreeing"
                wins[name] += verdicts[task.task_id, chosen.code]
                drawn[name] += used
        if args.probes:
            probed = with_probes(cands, state, args.probes, sandbox)
            wins[f"all, with {args.probes} probe inputs: sop as shipped"] += verdicts[
                task.task_id, select(probed)[0].code
            ]
    print(f"{n} runs; candidates per run: {dict(sorted(sizes.items()))}")
    for name, won in wins.items():
        cost = f"  ({drawn[name] / max(n, 1):.1f} candidates a run)" if name in drawn else ""
        print(f"{won:4d}  {won / max(n, 1):6.1%}  {name}{cost}")


if __name__ == "__main__":
    main()
