"""The round table end to end: a shared conversation, LLM and round-robin speaker selection."""

from __future__ import annotations

import json
from collections.abc import Callable

from sparring.llm import Model, Request, ScriptedBackend
from sparring.sandbox import open_sandbox
from sparring.store import RunStore
from sparring.tasks import demo_task
from sparring.workflows import Result, TeamConfig, solve
from sparring.workflows.roundtable import Say, read_turn
from tests.test_debate import BAD, GOOD, TESTS


def say(message: str, code: str = "", agree: bool = False) -> str:
    """A panelist's turn as the model writes it: words, a fenced block, or an ENDORSE line."""
    block = f"\n```python\n{code}\n```\n" if code else ""
    return f"{message}{block}" + ("\nENDORSE" if agree else "")


def table(
    speakers: Callable[[str, str], str], moderator: Callable[[str], str], **settings: object
) -> tuple[Result, RunStore, list[Request]]:
    backend = ScriptedBackend(lambda r: _route(r, speakers, moderator))
    model = Model(backend)
    store = RunStore(":memory:")
    config = TeamConfig(workflow="roundtable", settings={"selector": "llm", **settings})
    result = solve(demo_task(), config, store=store, sandbox=open_sandbox(), models=lambda role: model)
    return result, store, backend.requests


def _route(request: Request, speakers: Callable[[str, str], str], selector: Callable[[str], str]) -> str:
    system, last = request.messages[0].content, request.messages[-1].content
    if "tester" in system:
        return TESTS
    if "moderator" in system:
        return selector(last)
    return speakers(system.split(",")[0].removeprefix("You are "), last)


def speakers_of(store: RunStore, run_id: str) -> list[tuple[str, str]]:
    return [(e.payload["speaker"], e.payload["by"]) for e in store.events(run_id) if e.kind == "speaker"]


def test_a_selector_that_names_no_agent_falls_back_to_round_robin() -> None:
    def speak(agent: str, prompt: str) -> str:
        return say("sort first", GOOD) if agent == "edge_hunter" else say("just sort", BAD)

    result, store, requests = table(speak, lambda prompt: "Let Bob speak, he is wise!", test_count=0)
    assert result.verdict == "passed" and "out.append" in result.code
    assert speakers_of(store, result.run_id) == [("minimalist", "fallback"), ("edge_hunter", "fallback")]
    # the speaker saw the conversation so far
    edge_prompt = next(r for r in requests if "You are edge_hunter" in r.messages[0].content)
    assert (
        "**minimalist**: just sort (proposed new code: it passes 1 of 3 tests)"
        in edge_prompt.messages[-1].content
    )
    # the first speaker has no code to discuss and is asked for some; later ones see the current code
    first = next(r for r in requests if "You are minimalist" in r.messages[0].content).messages[-1].content
    assert "No code has been proposed yet" in first and "The current code" not in first
    assert "No code has been proposed yet" not in edge_prompt.messages[-1].content


def test_a_table_that_endorses_the_code_ends_by_consensus_even_if_tests_fail() -> None:
    def speak(agent: str, prompt: str) -> str:
        if "The current code" not in prompt:
            return say("a sweep over the intervals", BAD)
        return say("looks right to me", agree=True)

    def moderator(prompt: str) -> str:  # a valid pick: the first name it is offered
        return json.dumps({"speaker": prompt.split("Choose one of: ")[1].split(".")[0].split(", ")[0]})

    result, store, _ = table(speak, moderator, agents=2)
    assert result.verdict == "failed"  # an honest stop: the table agreed, the spec's examples still fail
    picks = speakers_of(store, result.run_id)
    assert picks == [("minimalist", "selector"), ("edge_hunter", "selector"), ("minimalist", "selector")]
    reasons = [e.payload["reason"] for e in store.events(result.run_id) if e.kind == "edge"]
    assert reasons[-1] == "consensus: every agent endorses the code"


def test_round_robin_stops_at_the_round_limit() -> None:
    turns = iter(range(100))

    def speak(agent: str, prompt: str) -> str:  # new (wrong) code every turn, so the table never stalls
        return say("hmm", f"def merge_intervals(intervals):\n    return sorted(intervals)[:{next(turns)}]")

    result, store, _ = table(speak, lambda p: "", selector="round_robin", agents=2, max_rounds=2)
    assert result.verdict == "failed" and len(speakers_of(store, result.run_id)) == 4
    reasons = [e.payload["reason"] for e in store.events(result.run_id) if e.kind == "edge"]
    assert reasons[-1] == "round limit (2 rounds of 2 turns)"


def test_a_table_that_repeats_the_current_code_is_stopped_as_stalled() -> None:
    # re-proposing the code under discussion (reformatted, with a comment) is no new code
    again = BAD.replace("    return", "    # sorted is enough\n    return")
    result, store, _ = table(
        lambda agent, prompt: say("hmm", again if "The current code" in prompt else BAD),
        lambda p: "", selector="round_robin", agents=2, max_rounds=5,
    )  # fmt: skip
    assert result.verdict == "failed" and len(speakers_of(store, result.run_id)) == 3
    reasons = [e.payload["reason"] for e in store.events(result.run_id) if e.kind == "edge"]
    assert reasons[-1] == "stalled: a full round without new code while the tests fail"


def test_a_table_that_only_criticises_failing_code_is_stopped_as_stalled() -> None:
    def speak(agent: str, prompt: str) -> str:
        if "The current code" not in prompt:
            return say("a sweep over the intervals", BAD)
        assert "fails its tests" in prompt and "the complete corrected function" in prompt
        return say("it does not merge overlapping intervals")  # words, no code

    result, store, _ = table(speak, lambda p: "", selector="round_robin", agents=2, max_rounds=5)
    assert result.verdict == "failed" and len(speakers_of(store, result.run_id)) == 3
    reasons = [e.payload["reason"] for e in store.events(result.run_id) if e.kind == "edge"]
    assert reasons[-1] == "stalled: a full round without new code while the tests fail"


def test_a_turn_is_read_from_plain_text() -> None:
    prompt, current = 'def f():\n    """One."""\n', "def f():\n    return 0\n"

    def read(reply: str) -> Say:
        return read_turn(reply, prompt, "f", current=current)

    turn = read("It drops the last interval.\n```python\ndef f():\n    return 1\n```\nThat fixes it.")
    assert turn.code == "def f():\n    return 1\n" and not turn.agree
    assert turn.message == "It drops the last interval. That fixes it."
    # the current code quoted before the fix is not the proposal
    quoted = read(
        f"The current code:\n```python\n{current}```\nFixed:\n```python\ndef f():\n    return 1\n```"
    )
    assert quoted.code == "def f():\n    return 1\n" and quoted.message == "The current code: Fixed:"
    endorse = read("The code handles every case.\n\n**ENDORSE**")
    assert endorse.agree and endorse.code == "" and endorse.message == "The code handles every case."
    # quoting the current code, or fencing the marker, still endorses; words after the marker stay
    assert read(f"Right as it is:\n```python\n{current}```\nENDORSE: it returns 0").agree
    assert read("Looks right.\n```\nENDORSE\n```").agree
    after = read("Fix:\n```python\ndef f():\n    return 1\n```\nENDORSE\nThis is right now.")
    assert after.code and not after.agree and after.message == "Fix: This is right now."
    # a word that merely contains the marker, or new code beside it, is no endorsement
    assert not read("I cannot ENDORSE this yet").agree
    assert not read("ENDORSE\n```python\ndef f():\n    return 2\n```").agree
    assert read("").message == "(no words)"


def test_a_proposal_that_does_worse_does_not_replace_the_current_code() -> None:
    def speak(agent: str, prompt: str) -> str:
        if "The current code" not in prompt:
            return say("just sort", BAD)
        if agent == "edge_hunter":
            return say("rewritten", "def merge_intervals(intervals):\n    return [i for i in intervals if]")
        return say("sort, then merge", GOOD)

    result, _, requests = table(speak, lambda p: "", selector="round_robin", agents=3, test_count=0)
    assert result.verdict == "passed" and "out.append" in result.code
    skeptic = next(r for r in requests if "You are skeptic" in r.messages[0].content).messages[-1].content
    # the broken proposal was run, reported, and the better code stayed current for the next speaker
    assert "(proposed new code: it does not run: SyntaxError" in skeptic
    assert "the current code does better, so it was not adopted" in skeptic
    assert "return sorted(intervals)" in skeptic.split("The current code:")[1]


def test_a_panelist_facing_no_code_starts_its_reply_as_the_function() -> None:
    """On the embedded model a panelist asked for "a sentence, then the code" often stopped after the
    sentence; with nothing on the table its reply now opens as the function (a prefill), and with
    code on the table it is free to endorse instead."""
    from sparring.roles import builtin_roles
    from sparring.workflows.state import TaskSpec

    role, task = builtin_roles()["panelist"], TaskSpec.of(demo_task())
    common = {"task": task, "agent": "a", "stance": "", "transcript": [], "evidence": ""}
    opening = role.messages(code="", **common)
    assert opening[-1].role == "assistant"
    assert opening[-1].content.startswith("```python\n") and f"def {task.entry_point}(" in opening[-1].content
    later = role.messages(code=GOOD, **common)
    assert later[-1].role == "user" and "ENDORSE" in later[-1].content
