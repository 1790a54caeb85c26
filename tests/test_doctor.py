"""``sparring doctor``: the conformance checks on scripted models (good, garbage, unreachable) and the CLI."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable

import pytest

import sparring.doctor
from sparring.cli import main
from sparring.cli.doctor import models_to_check
from sparring.doctor import CHECKS, Check, Report, diagnose, subject_for
from sparring.errors import ConfigError, ModelUnavailable, TransientModelError
from sparring.llm import Completion, Model, Request, ScriptedBackend, Usage
from sparring.roles import builtin_roles
from sparring.sandbox import FakeSandbox, Sandbox, Verdict, execution, open_sandbox

GOOD_CODE = "Here you go:\n```python\ndef add(a, b):\n    return a + b\n```\n"
MODEL_CHECKS = tuple(c for c in CHECKS if c.name != "sandbox")


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    """bubblewrap where it works (it does on the project's machines), else the plain process backend."""
    return open_sandbox("bwrap") if shutil.which("bwrap") else open_sandbox("process")


def last_user(request: Request) -> str:
    return next(m.content for m in reversed(request.messages) if m.role == "user")


def good_answer(code: str = GOOD_CODE) -> Callable[[Request], str]:
    """A model that does what each check asks, honouring ``stop`` and seeds by construction."""

    def answer(request: Request) -> str:
        prompt = last_user(request)
        if request.json_schema is not None:
            return 'Sure: {"answer": 5}'
        if "single word OK" in prompt:
            return "OK"
        if "Count from 1 to 10" in prompt:
            text = "\n".join(str(i) for i in range(1, 11))
            cuts = [text.index(s) for s in request.stop if s in text]
            return text[: min(cuts)] if cuts else text
        if "colour" in prompt:
            return ("red", "green", "blue")[(request.seed or 0) % 3]
        return code

    return answer


def scripted(fn: Callable[[Request], str | Completion | BaseException], *, supports_n: bool = False) -> Model:
    """A function-backed model that never sleeps between retries."""
    return Model(backend=ScriptedBackend(fn, name="fake-model", supports_n=supports_n), sleep=lambda _s: None)


def by_name(report: Report) -> dict[str, tuple[str, str]]:
    return {c.name: (c.status, c.detail) for c in report.checks}


def test_a_model_that_does_everything_right_passes_every_check(sandbox: Sandbox) -> None:
    model = scripted(good_answer(), supports_n=True)
    report = diagnose(model, sandbox=sandbox)
    checks = by_name(report)
    assert [c.name for c in report.checks] == ["sandbox", "reply", "code", "json", "choices", "stop"]
    if sandbox.name != "process":  # the process fallback lets code reach the network: that is a fail
        assert checks["sandbox"] == ("pass", f"{sandbox.name}: runs python, no network")
        assert report.ok and report.failed == []
    assert all(status == "pass" for name, (status, _) in checks.items() if name != "sandbox")
    assert "'OK' · finish stop" in checks["reply"][1] and "tokens" in checks["reply"][1]
    assert checks["code"][1] == "wrote add(a, b); both asserts pass in the sandbox"
    assert checks["json"][1].startswith('well-formed {"answer": 5} in 1 request; value right')
    assert "in 1 request (the backend samples several natively" in checks["choices"][1]
    assert "3 distinct" in checks["choices"][1]
    assert checks["stop"][1].startswith("stopped before '5'")
    assert all(c.seconds >= 0 for c in report.checks)
    # the code check asked with the built-in coder role's own prompt, and nothing came from a cache
    backend = model.backend
    assert isinstance(backend, ScriptedBackend)
    coder = builtin_roles()["coder"]
    assert any(
        r.messages[0].content == coder.system and "def add(a, b)" in last_user(r) for r in backend.requests
    )


def test_samples_drawn_one_request_each_are_reported_as_such() -> None:
    report = diagnose(scripted(good_answer()), checks=[c for c in CHECKS if c.name in ("reply", "choices")])
    assert by_name(report)["choices"] == (
        "pass",
        "3 choices in 3 requests (one per choice: each pays for the prompt); 3 distinct",
    )


def test_a_garbage_model_fails_code_and_json_with_useful_details(sandbox: Sandbox) -> None:
    report = diagnose(scripted(lambda _r: "???"), sandbox=sandbox)
    checks = by_name(report)
    assert not report.ok and [name for name in report.failed if name != "sandbox"] == ["code", "json"]
    assert checks["reply"][0] == "pass" and "not the OK asked for" in checks["reply"][1]
    assert checks["code"] == ("fail", "no code block found in the reply: '???'")
    status, detail = checks["json"]
    assert (
        status == "fail" and "gave no valid Answer after 3 tries" in detail and "last reply '???'" in detail
    )
    assert checks["choices"][0] == "pass" and "1 distinct" in checks["choices"][1]
    assert checks["stop"][0] == "pass" and "barely tested" in checks["stop"][1]  # honest: nothing to stop


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "```python\ndef add(a, b):\n    return a - b\n```",
            "wrong result: add(2, 3) returned -1, expected 5",
        ),
        (
            "```python\ndef add(a, b):\n    return a + c\n```",
            "the code does not run: NameError: name 'c' is not defined",
        ),
    ],
)
def test_code_that_is_wrong_or_broken_says_which(sandbox: Sandbox, code: str, expected: str) -> None:
    report = diagnose(
        scripted(good_answer(code)), sandbox=sandbox, checks=[c for c in CHECKS if c.name == "code"]
    )
    assert by_name(report)["code"] == ("fail", expected)


@pytest.mark.parametrize(
    "error",
    [
        ModelUnavailable("ollama: cannot reach the server (Connection refused)"),
        TransientModelError("ollama: cannot reach the server (Connection refused)"),
    ],
)
def test_an_unreachable_model_fails_reply_and_skips_the_rest(error: Exception) -> None:
    backend = ScriptedBackend(lambda _r: error, name="down")
    report = diagnose(Model(backend=backend, sleep=lambda _s: None), checks=MODEL_CHECKS)
    checks = by_name(report)
    assert checks["reply"] == ("fail", "ollama: cannot reach the server (Connection refused)")
    assert [checks[n] for n in ("code", "json", "choices", "stop")] == [("skip", "model unreachable")] * 4
    assert not report.ok and report.failed == ["reply"]
    assert len(backend.requests) == (2 if isinstance(error, TransientModelError) else 1)  # one quick retry


def test_a_model_that_cannot_be_opened_is_reported_by_reply_and_a_bad_spec_is_an_error() -> None:
    report = diagnose(subject_for("local:/nonexistent/model.gguf"), checks=MODEL_CHECKS)
    checks = by_name(report)
    assert checks["reply"][0] == "fail" and "model file not found" in checks["reply"][1]
    assert checks["stop"] == ("skip", "model unreachable")
    with pytest.raises(ConfigError, match="unknown model spec"):
        subject_for("bogus:1")


def test_no_usage_and_ignored_stop_sequences_fail() -> None:
    def no_usage(request: Request) -> Completion:
        return Completion("1\n2\n3\n4\n5\n6", Usage(0, 0))

    checks = by_name(diagnose(scripted(no_usage), checks=[c for c in CHECKS if c.name in ("reply", "stop")]))
    assert checks["reply"][0] == "fail" and "reports no token usage" in checks["reply"][1]
    assert "budgets" in checks["reply"][1]
    assert checks["stop"][0] == "fail" and "stop sequences ignored" in checks["stop"][1]


def test_a_later_model_error_fails_only_its_check() -> None:
    def refuses_schemas(request: Request) -> str | BaseException:
        if request.json_schema is not None:
            return ModelUnavailable("server: response_format is not supported")
        return good_answer()(request)

    checks = by_name(diagnose(scripted(refuses_schemas), checks=MODEL_CHECKS[:1] + MODEL_CHECKS[2:]))
    assert checks["json"] == ("fail", "server: response_format is not supported")
    assert checks["choices"][0] == checks["stop"][0] == "pass"


def test_json_repairs_and_a_wrong_value_are_reported_honestly() -> None:
    replies = iter(["The answer is five.", '{"answer": 7}'])
    report = diagnose(scripted(lambda _r: next(replies)), checks=[c for c in CHECKS if c.name == "json"])
    assert by_name(report)["json"] == (
        "pass",
        'well-formed {"answer": 7} in 2 requests (1 repair); '
        "value wrong (2 + 3 = 5), but only the form is checked",
    )


def test_sandbox_that_leaks_network_or_cannot_run_python_fails() -> None:
    sandbox_check: tuple[Check, ...] = tuple(c for c in CHECKS if c.name in ("sandbox", "code"))
    leaky = FakeSandbox(lambda _call: "1\nnetwork\n", name="leaky")
    checks = by_name(diagnose(scripted(good_answer()), sandbox=leaky, checks=sandbox_check[:1]))
    assert checks["sandbox"][0] == "fail" and "can reach the network" in checks["sandbox"][1]
    broken = FakeSandbox(lambda _call: execution(exit_code=1, stderr="OSError: no\n", verdict=Verdict.FAILED))
    checks = by_name(diagnose(scripted(good_answer()), sandbox=broken, checks=sandbox_check))
    assert checks["sandbox"] == ("fail", "fake could not run python: OSError: no")
    assert checks["code"] == ("skip", "code found but not run: no working sandbox")


def test_which_models_the_cli_checks() -> None:
    assert models_to_check(None, []) == {"local": ["default"]}
    assert models_to_check("ollama:m", ["coder=ollama:m", "judge=openai:x"]) == {
        "ollama:m": ["default", "coder"],
        "openai:x": ["judge"],
    }
    assert models_to_check(None, ["coder=scripted:x"]) == {"scripted:x": ["coder"]}
    with pytest.raises(ConfigError):
        models_to_check(None, ["coder"])


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def table_rows(out: str) -> dict[str, str]:
    """The printed table as check → status (a detail's wrapped lines have an empty first cell)."""
    cells = [
        [cell.strip() for cell in line.split("│")[1:3]] for line in out.splitlines() if line.count("│") >= 4
    ]
    return {check: status for check, status in cells if check}


def test_cli_table_and_json_name_the_failed_checks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "doctor", "--model", "scripted:???")
    assert code == 1 and "Traceback" not in err
    rows = table_rows(out)
    assert rows == {
        "sandbox": "pass",
        "reply": "pass",
        "code": "fail",
        "json": "fail",
        "choices": "pass",
        "stop": "pass",
    }
    assert "failed: code, json" in out
    code, out, err = run_cli(capsys, "doctor", "--role", "coder=scripted:???", "--json")
    data = json.loads(out)
    assert code == 1 and "Traceback" not in err
    assert data["model"] == "scripted:???" and data["roles"] == ["coder"] and data["ok"] is False
    assert [c["name"] for c in data["checks"]] == ["sandbox", "reply", "code", "json", "choices", "stop"]
    assert {c["name"] for c in data["checks"] if c["status"] == "fail"} == {"code", "json"}
    assert all(set(c) == {"name", "status", "detail", "seconds"} for c in data["checks"])


def test_cli_exits_zero_when_nothing_fails(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    good = scripted(good_answer(), supports_n=True)
    monkeypatch.setattr(sparring.doctor, "open_model", lambda spec, **_kw: good)
    monkeypatch.setattr(sparring.doctor, "open_sandbox", lambda: FakeSandbox(_sandbox_runs_fine))
    code, out, _ = run_cli(capsys, "doctor", "--model", "ollama:good")
    rows = table_rows(out)
    assert code == 0 and "nothing failed" in out
    assert rows == dict.fromkeys(["sandbox", "reply", "code", "json", "choices", "stop"], "pass")


def _sandbox_runs_fine(call: object) -> str:
    files = getattr(call, "files", {})
    return "ok\n" if "check.py" in files else "1\nno network\n"


def test_cli_user_mistakes_are_one_line_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for args, message in (
        (["--model", "bogus:1"], "unknown model spec"),
        (["--role", "coder"], "ROLE=MODEL_SPEC"),
    ):
        code, out, err = run_cli(capsys, "doctor", *args)
        assert code == 1 and message in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1 and out == ""
