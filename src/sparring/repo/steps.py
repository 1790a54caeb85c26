"""The named steps of the repository workflow and the state they share.

Tool steps run tests in the sandbox and apply edits to the worktree; agent steps ask the retriever,
the test designer (``repro_tester``) and the coder (``repo_coder``). What crosses steps is in
``RepoState``; the worktree itself is the rest of the state (its path is in the state).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from sparring.errors import ModelError
from sparring.extract import code_blocks
from sparring.graph import RunContext
from sparring.repo.prompt import fit_messages, head
from sparring.repo.repomap import RepoIndex, identifiers, index_repo, rank_files, repo_map
from sparring.repo.search import callers, search_code
from sparring.repo.testing import Interpreter, SuiteRun, TestCommand, run_tests
from sparring.roles import Role
from sparring.workspace import (
    Unfinished,
    Worktree,
    apply_edits,
    inventory,
    is_test_file,
    parse_edits,
    violations,
)


class RepoState(BaseModel):
    repo: str
    worktree: str
    base: str
    issue: str
    test_cmd: str = ""
    python: str = "python"  # the interpreter that runs the tests (a cached repository environment)
    pythonpath: list[str] = Field(default_factory=list)
    round: int = 0
    repo_map: str = ""
    files: list[str] = Field(default_factory=list)  # context the retriever chose
    callers: list[str] = Field(default_factory=list)
    baseline: dict[str, str] = Field(default_factory=dict)  # test id -> outcome at the base commit
    baseline_untrusted: bool = False
    protected: dict[str, str] = Field(default_factory=dict)  # test inventory the agents may not weaken
    repro_path: str = ""
    repro: str = ""
    repro_attempts: int = 0
    reproduced: bool = False
    touched: list[str] = Field(default_factory=list)
    edit_attempts: int = 0  # failed applications in a row
    applied: bool = False
    last_reply: str = ""
    feedback: str = ""
    broken: list[str] = Field(default_factory=list)
    passed: bool = False
    outcome: str = ""

    def tree(self) -> Worktree:
        return Worktree(Path(self.repo), Path(self.worktree), self.base)

    def interpreter(self) -> Interpreter:
        return Interpreter(self.python, tuple(self.pythonpath))


@dataclass(frozen=True)
class RepoTeam:
    roles: Mapping[str, Role]
    max_rounds: int = 3  # test-and-repair rounds
    edit_repairs: int = 2  # extra tries when an edit does not apply
    repro_attempts: int = 2
    map_tokens: int = 1024
    file_chars: int = 12000  # of each file shown
    prompt_tokens: int = 8192  # of each prompt, estimated at 3 characters a token; the rest is cut


Step = Callable[[RepoState, RunContext], Mapping[str, Any] | None]


# What each role's prompt may lose to fit ``prompt_tokens``, least needed first.
_CUTTABLE = {
    "retriever": ("hits", "repo_map", "issue"),
    "repro_tester": ("files", "feedback", "issue"),
    "repo_coder": ("callers", "files", "feedback", "repro", "issue"),
}


def _ask(
    ctx: RunContext, team: RepoTeam, role: Role, schema: type[BaseModel] | None = None, **variables: Any
) -> Any:
    """Ask ``role`` with a prompt cut to the team's budget. A free-text reply cut off at the token
    limit comes back (``finish_reason == "length"``) for the step to use what is complete."""
    messages, cut = fit_messages(role, team.prompt_tokens, _CUTTABLE.get(role.name, ()), **variables)
    if cut:
        ctx.record("prompt.cut", {"role": role.name, "budget": team.prompt_tokens, "cut": cut})
    return ctx.complete(
        role.name,
        messages,
        schema=schema,
        temperature=role.temperature,
        max_tokens=role.max_tokens,
        allow_truncated=schema is None,
    )


def baseline(s: RepoState, ctx: RunContext) -> Mapping[str, Any]:
    """Tool step: the existing tests at the base commit, and the inventory of tests to protect."""
    wt = s.tree()
    run = run_tests(ctx.sandbox, wt.path, TestCommand.parse(s.test_cmd), interpreter=s.interpreter())
    ctx.record("tool", {"tool": "tests", "at": "base", "outcomes": run.outcomes, "problems": run.problems})
    return {
        "baseline": run.outcomes,
        "baseline_untrusted": bool(run.problems),
        "protected": inventory(wt.path, wt.files()),
    }


class _Retrieval(BaseModel):
    files: list[str] = Field(default_factory=list)
    symbols: list[str] = Field(default_factory=list)
    reason: str = ""


def retrieve(team: RepoTeam) -> Step:
    """The retriever reads the ranked repo map and search hits and names the files to change and the
    symbols involved; the files defining those symbols are shown too (a small model often names the
    function but not its module), and their call sites come along for cross-file consistency."""

    def step(s: RepoState, ctx: RunContext) -> Mapping[str, Any]:
        wt = s.tree()
        files = wt.files()
        index = index_repo(wt.path, files)
        mentioned = identifiers(s.issue)
        text = repo_map(index, mentioned=mentioned, budget=team.map_tokens)
        hits = [
            str(h)
            for w in sorted(mentioned)[:10]
            if w.isidentifier()
            for h in search_code(wt.path, files, w, limit=5)
        ]
        try:
            reply = _ask(
                ctx, team, team.roles["retriever"], _Retrieval, issue=s.issue, repo_map=text, hits=hits[:30]
            )
            chosen: _Retrieval = reply.parsed
        except ModelError as exc:
            ctx.record("retrieval.failed", {"error": str(exc)})
            chosen = _Retrieval()
        defined = index.defined_in()  # a symbol it names brings the file that defines it
        owners = [
            f for sym in chosen.symbols[:5] for f in sorted(defined.get(sym, ())) if not is_test_file(f)
        ]
        named = list(dict.fromkeys(f for f in [*chosen.files, *owners] if f in files))[:5]
        if not named:  # fall back on the map's ranking
            named = ranked_sources(index, mentioned)
        sites = [str(h) for sym in chosen.symbols[:5] for h in callers(wt.path, files, sym, limit=10)]
        ctx.record("retrieval", {"files": named, "symbols": chosen.symbols, "callers": sites})
        return {"repo_map": text, "files": named, "callers": sites}

    return step


def ranked_sources(index: RepoIndex, mentioned: set[str], n: int = 3) -> list[str]:
    """The ``n`` highest-ranked files of the map that are not tests."""
    ranks = rank_files(index, mentioned)
    return sorted((f for f in ranks if not is_test_file(f)), key=lambda f: -ranks[f])[:n]


def locate(team: RepoTeam) -> Step:
    """Tool step, no model: the files to show are the map's top-ranked sources, personalised towards
    the identifiers the issue mentions and the files whose lines mention them (code search)."""

    def step(s: RepoState, ctx: RunContext) -> Mapping[str, Any]:
        wt = s.tree()
        files = wt.files()
        index = index_repo(wt.path, files)
        mentioned = identifiers(s.issue)
        hits = {
            h.file
            for w in sorted(mentioned)[:10]
            if w.isidentifier()
            for h in search_code(wt.path, files, w, limit=5)
        }
        named = ranked_sources(index, mentioned | hits)
        ctx.record("retrieval", {"files": named, "symbols": [], "callers": []})
        return {"repo_map": repo_map(index, mentioned=mentioned, budget=team.map_tokens), "files": named}

    return step


def _contents(s: RepoState, team: RepoTeam) -> list[dict[str, str]]:
    wt = s.tree()
    return [{"path": f, "content": head(wt.read(f) or "", team.file_chars)} for f in s.files]


def _repro_path(root: Path) -> str:
    return "tests/test_sparring_issue.py" if (root / "tests").is_dir() else "test_sparring_issue.py"


_CLOSED_PYTHON = re.compile(r"```[ \t]*(?:python3?|py)?[ \t]*\n(.*?)```", re.DOTALL)
CUT_TEST = (
    "Your test module was cut off at the token limit before it was complete, so it was not run. "
    "Write a shorter module: one or two test functions, no long comments."
)
CUT_EDITS = (
    "Your reply was cut off at the token limit before any edit was complete, so nothing was applied. "
    "Send smaller edits: one SEARCH/REPLACE block per change, quoting only the lines that change "
    "and a line or two around them, or only the changed function; never the whole file."
)


def reproduce(team: RepoTeam) -> Step:
    """The test designer writes a test for the issue; it counts only if it fails at the base commit."""

    def step(s: RepoState, ctx: RunContext) -> Mapping[str, Any]:
        wt = s.tree()
        path = s.repro_path or _repro_path(wt.path)
        role = team.roles["repro_tester"]
        reply = _ask(ctx, team, role, issue=s.issue, files=_contents(s, team), path=path, feedback=s.feedback)
        update: dict[str, Any] = {"repro_path": path, "repro_attempts": s.repro_attempts + 1}
        if reply.finish_reason == "length":
            closed = _CLOSED_PYTHON.findall(reply.text)
            if not closed:  # a module cut off mid-way does not run: say so instead of running it
                ctx.record("tool", {"tool": "tests", "repro": path, "truncated": True, "reproduces": False})
                return update | {"repro": reply.text, "feedback": CUT_TEST}
            code = closed[0]
        else:
            blocks = code_blocks(reply.text)
            code = blocks[0] if blocks else reply.text
        wt.write(path, code)
        run = run_tests(ctx.sandbox, wt.path, TestCommand(), only=[path], interpreter=s.interpreter())
        failing = run.failing()
        ok = bool(failing) and run.exit_code == 1
        ctx.record(
            "tool", {"tool": "tests", "at": "base", "repro": path, "outcomes": run.outcomes, "reproduces": ok}
        )
        update["repro"] = code
        if ok:
            protected = {**s.protected, **inventory(wt.path, [path])}
            return update | {"reproduced": True, "protected": protected, "touched": [path], "feedback": ""}
        if run.outcomes and not failing:
            why = "It passes on the unchanged code, so it does not reproduce the issue."
        else:
            why = f"It does not run (exit code {run.exit_code}):\n{run.output[-800:]}"
        return update | {"feedback": why}

    return step


def edit(team: RepoTeam) -> Step:
    """The coder answers with edits; they apply strictly (all or none) or go back with the reasons.
    Edits that delete or change an existing test are undone and refused."""

    def step(s: RepoState, ctx: RunContext) -> Mapping[str, Any]:
        wt = s.tree()
        repro = wt.read(s.repro_path) if s.repro_path and s.reproduced else ""
        reply = _ask(
            ctx,
            team,
            team.roles["repo_coder"],
            issue=s.issue,
            files=_contents(s, team),
            callers=s.callers,
            repro=repro or "",
            repro_path=s.repro_path,
            feedback=s.feedback,
            example_path=s.files[0] if s.files else "src/package/module.py",
        )
        edits = parse_edits(reply.text)
        cut = reply.finish_reason == "length"
        if cut:  # the blocks finished before the cut apply; the one the limit cut off is dropped
            edits = [e for e in edits if not isinstance(e, Unfinished)]
        base = {"last_reply": reply.text, "edit_attempts": s.edit_attempts + 1, "applied": False}
        if cut and not edits:
            ctx.record("edit", {"changed": [], "failures": [CUT_EDITS], "applied": False, "truncated": True})
            return base | {"feedback": CUT_EDITS}
        applied = apply_edits(wt.path, edits, shown=s.files)
        payload: dict[str, Any] = {
            "changed": applied.changed,
            "failures": [f.describe() for f in applied.failures],
        } | ({"truncated": True} if cut else {})
        if not applied.ok:
            ctx.record("edit", payload | {"applied": False})
            return base | {"feedback": applied.feedback()}
        bad = violations(s.protected, inventory(wt.path, wt.files()))
        if bad:
            applied.undo(wt.path)
            refused = "; ".join(v.describe() for v in bad)
            ctx.record("edit", payload | {"applied": False, "refused": refused})
            return base | {
                "feedback": "Your edits were undone: existing tests may not be deleted or changed "
                f"({refused}). Fix the code, not the tests."
            }
        ctx.record("edit", payload | {"applied": True})
        touched = list(dict.fromkeys([*s.touched, *applied.changed]))
        extra = [f for f in applied.changed if f not in s.files and not is_test_file(f)]
        return base | {"applied": True, "edit_attempts": 0, "touched": touched, "files": s.files + extra}

    return step


def check(s: RepoState, ctx: RunContext) -> Mapping[str, Any]:
    """Tool step: the reproducing test and the existing tests, in the sandbox. Accepted only when the
    reproduction passes and every test that passed at the base commit still passes."""
    wt, command = s.tree(), TestCommand.parse(s.test_cmd)
    ignore = [s.repro_path] if s.repro_path and command.pytest_args is not None else []
    python = s.interpreter()
    suite = run_tests(ctx.sandbox, wt.path, command, ignore=ignore, interpreter=python)
    repro = (
        run_tests(ctx.sandbox, wt.path, TestCommand(), only=[s.repro_path], interpreter=python)
        if s.reproduced
        else SuiteRun()
    )
    broken = [t for t, o in s.baseline.items() if o == "passed" and suite.outcomes.get(t) != "passed"]
    repro_ok = not s.reproduced or (bool(repro.outcomes) and not repro.failing() and repro.exit_code == 0)
    passed = (
        repro_ok
        and not broken
        and (not suite.problems or bool(set(s.baseline) - set(suite.outcomes)) is False)
    )
    ctx.record(
        "tool",
        {"tool": "tests", "at": "change", "suite": suite.outcomes, "repro": repro.outcomes, "broken": broken},
    )
    if passed:
        return {"passed": True, "broken": [], "feedback": ""}
    lines = ["Your change was applied, but the tests do not accept it yet:"]
    for t in repro.failing()[:2]:
        lines.append(f"- the reproducing test {t} still fails:\n{repro.messages.get(t, '')[-600:]}")
    for t in broken[:3]:
        lines.append(f"- {t} passed before your change and now does not:\n{suite.messages.get(t, '')[-600:]}")
    if suite.problems:
        lines.append(
            "- the test run itself failed: " + "; ".join(suite.problems) + "\n" + suite.output[-600:]
        )
    return {"passed": False, "broken": broken, "feedback": "\n".join(lines), "round": s.round + 1}
