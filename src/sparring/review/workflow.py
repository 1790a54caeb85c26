"""``review``: reviewer and red team examine a change; single-agent findings are voted on; findings
with a failing test are run in the sandbox. examine → vote → demonstrate, recorded like any run."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from sparring.errors import ModelError
from sparring.graph import END, Graph, RunContext
from sparring.llm import Model
from sparring.repo import identifiers, index_repo, repo_map
from sparring.repo.search import callers
from sparring.repo.testing import TestCommand, run_tests
from sparring.review.change import Change, open_change
from sparring.review.findings import Claim, Claims, Finding, Review
from sparring.roles import Role, load_roles
from sparring.store import RunStore
from sparring.workflows import usage_of

AGENTS = ("code_reviewer", "red_team_reviewer")
_TEST_PATH = "test_sparring_review_{n}.py"


class ReviewState(BaseModel):
    source: str
    diff: str
    worktree: str
    added: dict[str, list[int]]
    context: str = ""
    findings: list[Finding] = Field(default_factory=list)
    dropped: list[str] = Field(default_factory=list)


class _Vote(BaseModel):
    index: int
    agree: bool | None = None
    reason: str = ""


class _Votes(BaseModel):
    votes: list[_Vote] = Field(default_factory=list)


def _ask(ctx: RunContext, role: Role, schema: type[BaseModel], **variables: Any) -> Any:
    return ctx.complete(
        role.name,
        role.messages(**variables),
        schema=schema,
        temperature=role.temperature,
        max_tokens=role.max_tokens,
    )


def _same(a: Finding, c: Claim) -> bool:
    return a.file == c.file and a.category == c.category and abs(a.line - c.line) <= 2


def examine(roles: Mapping[str, Role]) -> Callable[[ReviewState, RunContext], Mapping[str, Any]]:
    def step(s: ReviewState, ctx: RunContext) -> Mapping[str, Any]:
        def one(agent: str) -> list[Claim]:
            try:
                claims: Claims = _ask(ctx, roles[agent], Claims, diff=s.diff, context=s.context).parsed
            except ModelError as exc:
                ctx.record("review.no_answer", {"agent": agent, "error": str(exc)})
                return []
            return claims.findings

        with ThreadPoolExecutor(max_workers=len(AGENTS)) as pool:
            answers = dict(zip(AGENTS, pool.map(one, AGENTS), strict=True))
        findings: list[Finding] = []
        dropped: list[str] = []
        for agent, claims in answers.items():
            for c in claims:
                if c.file not in s.added:
                    dropped.append(f"{agent}: {c.file}:{c.line} is not in the change")
                    continue
                match = next((f for f in findings if _same(f, c) and agent not in f.raised_by), None)
                if match is not None:
                    match.raised_by.append(agent)
                    match.votes[agent] = "agree"
                    match.confidence = round((match.confidence + c.confidence) / 2, 3)
                    match.test = match.test or c.failing_test
                    continue
                findings.append(
                    Finding(
                        **c.model_dump(exclude={"failing_test"}),
                        raised_by=[agent],
                        votes={agent: "unsure" if c.unsure else "agree"},
                        test=c.failing_test,
                    )
                )
        ctx.record("review.findings", {"findings": [f.model_dump() for f in findings], "dropped": dropped})
        return {"findings": findings, "dropped": dropped}

    return step


def vote(roles: Mapping[str, Role]) -> Callable[[ReviewState, RunContext], Mapping[str, Any]]:
    """Findings one agent raised alone go to a vote; a disagreement marks them contested."""

    def step(s: ReviewState, ctx: RunContext) -> Mapping[str, Any]:
        alone = [f for f in s.findings if len(f.raised_by) == 1]
        if not alone:
            return {}
        try:
            votes: _Votes = _ask(ctx, roles["finding_voter"], _Votes, diff=s.diff, findings=alone).parsed
        except ModelError as exc:
            ctx.record("review.no_votes", {"error": str(exc)})
            return {}
        findings = [f.model_copy(deep=True) for f in s.findings]
        alone_ids = [i for i, f in enumerate(s.findings) if len(f.raised_by) == 1]
        for v in votes.votes:
            if 1 <= v.index <= len(alone_ids):
                f = findings[alone_ids[v.index - 1]]
                f.votes["finding_voter"] = {True: "agree", False: "disagree", None: "unsure"}[v.agree]
        for f in findings:
            f.contested = "disagree" in f.votes.values()
        return {"findings": findings}

    return step


def demonstrate(s: ReviewState, ctx: RunContext) -> Mapping[str, Any]:
    """Tool step: each attached failing test runs against the new version in the sandbox."""
    findings = [f.model_copy(deep=True) for f in s.findings]
    root = Path(s.worktree)
    for n, f in enumerate(findings):
        if not f.test.strip():
            continue
        path = _TEST_PATH.format(n=n)
        (root / path).write_text(f.test, encoding="utf-8")
        run = run_tests(ctx.sandbox, root, TestCommand(), only=[path])
        f.demonstrated = bool(run.failing()) and run.exit_code == 1
        ctx.record(
            "tool", {"tool": "tests", "finding": n, "outcomes": run.outcomes, "demonstrated": f.demonstrated}
        )
        (root / path).unlink(missing_ok=True)
    return {"findings": findings}


def build(roles: Mapping[str, Role]) -> Graph[ReviewState]:
    return Graph(
        name="review",
        state=ReviewState,
        start="examine",
        nodes={"examine": examine(roles), "vote": vote(roles), "demonstrate": demonstrate},
        edges={"examine": "vote", "vote": "demonstrate", "demonstrate": END},
    )


def review_change(
    repo: str | Path,
    *,
    diff_range: str | None = None,
    patch_file: str | None = None,
    store: RunStore,
    sandbox: Any,
    models: Callable[[str], Model],
    role_dirs: tuple[str, ...] = (),
    map_tokens: int = 512,
) -> Review:
    """Review a change of the repository at ``repo`` (see ``open_change`` for the sources)."""
    started = time.monotonic()
    change = open_change(repo, diff_range=diff_range, patch_file=patch_file)
    try:
        state = ReviewState(
            source=change.source,
            diff=change.diff,
            worktree=str(change.tree.path),
            added={k: sorted(v) for k, v in change.added.items()},
            context=_context(change, map_tokens),
        )
        if not change.added:
            return Review(source=change.source, notes=["the change adds no lines; nothing to review"])
        run = build(load_roles(role_dirs)).run(
            state,
            store=store,
            task=change.source,
            config={"review": change.source},
            models=models,
            sandbox=sandbox,
        )
    finally:
        change.tree.remove()
    s = run.state
    notes = [] if run.status == "passed" else [f"the review run ended {run.reason}"]
    return Review(
        source=s.source,
        files=sorted(s.added),
        findings=sorted(s.findings, key=lambda f: (f.file, f.line)),
        dropped=s.dropped,
        notes=notes,
        run_id=run.run_id,
        usage=usage_of(store, run.run_id, time.monotonic() - started),
    )


def _context(change: Change, budget: int) -> str:
    files = change.tree.files()
    parts = []
    for name in change.files:
        text = change.tree.read(name) or ""
        numbered = "\n".join(f"{i:>4}│{ln}" for i, ln in enumerate(text.splitlines()[:400], 1))
        parts.append(f"{name} (new version, numbered):\n{numbered}")
    index = index_repo(change.tree.path, files)
    touched, changed = identifiers(change.diff), set(change.files)
    parts.append("Repository map:\n" + repo_map(index, mentioned=changed | touched, budget=budget))
    defined = sorted(
        {s.name for f in change.files for s in index.definitions.get(f, []) if s.name in touched}
    )
    sites = [
        str(h)
        for name in defined[:5]
        for h in callers(change.tree.path, files, name, limit=5)
        if h.file not in changed
    ]
    if sites:  # a changed function's callers elsewhere: where a changed signature or behaviour breaks
        parts.append("Call sites of the changed functions in other files:\n" + "\n".join(sites))
    return "\n\n".join(parts)
