"""Reports of a finished benchmark: a rich table, a markdown page, a JSON file and a PNG plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.table import Table

from sparring.bench import manifest
from sparring.bench.stats import mcnemar_p
from sparring.bench.summary import BenchSummary, WorkflowSummary


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.1f}%"


def _num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _row(w: WorkflowSummary, has_plus: bool) -> list[str]:
    n = max(w.n, 1)
    cells = [w.workflow, str(w.n), f"{w.pass_base} ({_pct(w.pass1_base)})"]
    if has_plus:
        cells.append(f"{w.pass_plus} ({_pct(w.pass1_plus)})")
    cells += [_num(w.tokens / n), _num(w.calls / n, 1), _num(w.seconds / n, 1), _num(w.tasks_per_hour, 1)]
    delta = "" if w.fixed is None or w.broken is None else f"+{len(w.fixed)} / −{len(w.broken)}"
    return [*cells, delta]


def _headers(has_plus: bool, metric: str = "base") -> list[str]:
    plus = ["plus"] if has_plus else []
    return ["workflow", "n", metric, *plus, "tok/task", "calls/task", "s/task", "tasks/h", "vs single"]


def summary_table(summary: BenchSummary) -> Table:
    table = Table(title=f"sparring bench: {summary.dataset}", caption="vs single: +fixed / −broken tasks")
    for header in _headers(summary.has_plus, summary.metric):
        table.add_column(header, justify="left" if header == "workflow" else "right")
    for w in summary.workflows:
        table.add_row(*_row(w, summary.has_plus))
    return table


def _wall_clock(seconds: float) -> str:
    """The run's wall clock, or nothing for a summary assembled from recorded results (none measured)."""
    return f"; wall clock {seconds:.0f} s" if seconds > 0 else ""


def provenance(invocations: list[dict[str, Any]]) -> list[str]:
    """Markdown lines naming every invocation that wrote the results, and what they disagree on."""
    if not invocations:
        return []
    lines = ["", "## Provenance", ""]
    differ = manifest.differences(invocations)
    if differ:
        lines += [f"**Pooled rows come from invocations that differ in: {', '.join(differ)}.**", ""]
    lines += ["| started | source | models | rows | command |", "|---|---|---|---|---|"]
    for entry in invocations:
        models = ", ".join(sorted(set((entry.get("models") or {}).values())))
        command = f"`` {entry.get('command', '?')} ``"  # a double-backtick span may hold backticks
        rows = entry.get("rows", "unfinished")
        cells = [entry.get("started", "?"), entry.get("source", "?"), models, rows, command]
        lines.append("| " + " | ".join(" ".join(str(c).split()).replace("|", "\\|") for c in cells) + " |")
    return lines


def _paired(b: int, c: int) -> str:
    """The exact McNemar test in words: only the tasks where the two differ count."""
    return (
        f"exact McNemar test on the {b + c} tasks where they differ ({b} against {c}): "
        f"two-sided p = {mcnemar_p(b, c):.3g}"
    )


def markdown(summary: BenchSummary, invocations: list[dict[str, Any]] | None = None) -> str:
    """The report as markdown: the table, the tasks each workflow fixed and broke, and (when the
    folder has a manifest) the invocations that produced the rows."""
    headers = _headers(summary.has_plus, summary.metric)
    lines = [
        f"# Benchmark: {summary.dataset}",
        "",
        f"Dataset sha256 `{summary.dataset_sha256}`{_wall_clock(summary.wall_seconds)}.",
        "",
        "| " + " | ".join(headers) + " |",
        "|" + "---|" * len(headers),
    ]
    lines += ["| " + " | ".join(_row(w, summary.has_plus)) + " |" for w in summary.workflows]
    headline = "plus" if summary.has_plus else summary.metric
    intervals = ", ".join(
        f"{w.workflow} {w.interval[0]:.1%}–{w.interval[1]:.1%}" for w in summary.workflows if w.n
    )
    lines += ["", f"95% intervals (Wilson) of pass@1 {headline}: {intervals}."]
    for w in summary.workflows:
        if w.fixed is not None and w.broken is not None:
            lines += [
                "",
                f"## {w.workflow} vs single",
                "",
                f"- fixed ({len(w.fixed)}): {', '.join(w.fixed) or 'none'}",
                f"- broken ({len(w.broken)}): {', '.join(w.broken) or 'none'}",
                f"- {_paired(len(w.fixed), len(w.broken))}",
            ]
    for pair in summary.pairs:
        lines += [
            "",
            f"## {pair.first} vs {pair.second}",
            "",
            f"- only {pair.first} ({len(pair.first_only)}): {', '.join(pair.first_only) or 'none'}",
            f"- only {pair.second} ({len(pair.second_only)}): {', '.join(pair.second_only) or 'none'}",
            f"- {_paired(len(pair.first_only), len(pair.second_only))}",
        ]
    lines += provenance(invocations or [])
    return "\n".join(lines) + "\n"


def plot(summary: BenchSummary, path: Path) -> None:
    """Pass rate against mean tokens per task, one labelled point per workflow."""
    from matplotlib.figure import Figure  # a bare Figure renders with Agg and touches no pyplot state

    figure = Figure(figsize=(6, 4), dpi=120)
    axes = figure.subplots()
    for w in summary.workflows:
        rate = w.pass1_plus if summary.has_plus else w.pass1_base
        x, y = w.tokens / max(w.n, 1), 100 * (rate or 0.0)
        axes.scatter([x], [y])
        axes.annotate(w.workflow, (x, y), textcoords="offset points", xytext=(5, 5))
    axes.set_xlabel("mean tokens per task")
    axes.set_ylabel(f"pass@1 {'plus' if summary.has_plus else summary.metric} (%)")
    axes.set_title(summary.dataset)
    axes.set_ylim(0, 105)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)


def report_paths(out_dir: Path) -> dict[str, Path]:
    return {
        "report_md": out_dir / "report.md",
        "report_json": out_dir / "report.json",
        "plot": out_dir / "plot.png",
    }


def write_reports(
    summary: BenchSummary, out_dir: Path, invocations: list[dict[str, Any]] | None = None
) -> None:
    """Write report.md, report.json and plot.png into ``out_dir``, naming the ``invocations`` that
    produced the results (default: the manifest in ``out_dir``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = report_paths(out_dir)
    invocations = manifest.read(out_dir) if invocations is None else invocations
    paths["report_md"].write_text(markdown(summary, invocations), encoding="utf-8")
    data = summary.to_json()
    if invocations:
        data |= {"invocations": invocations, "pooled_differences": manifest.differences(invocations)}
    paths["report_json"].write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    plot(summary, paths["plot"])
