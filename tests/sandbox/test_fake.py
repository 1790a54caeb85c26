"""FakeSandbox: the only sandbox other modules' tests use; it executes nothing and records calls."""

from __future__ import annotations

from sparring.sandbox import Call, Execution, FakeSandbox, Sandbox, Verdict, execution


def test_fake_answers_from_a_function_and_records_calls() -> None:
    def respond(call: Call) -> Execution | str:
        if call.argv[0] == "boom":
            return execution(exit_code=2, stderr="no")
        return "printed\n"

    fake = FakeSandbox(respond)
    assert isinstance(fake, Sandbox)
    ok = fake.run(["python", "x.py"], files={"x.py": "print()"})
    bad = fake.run(["boom"])
    assert (ok.verdict, ok.stdout, ok.backend) == (Verdict.OK, "printed\n", "fake")
    assert (bad.verdict, bad.exit_code) == (Verdict.FAILED, 2)
    assert [c.argv for c in fake.calls] == [("python", "x.py"), ("boom",)]
    assert fake.calls[0].files == {"x.py": "print()"}


def test_canned_verdicts_are_kept() -> None:
    fake = FakeSandbox(lambda call: execution(verdict=Verdict.TIMEOUT, exit_code=-9))
    assert fake.run(["x"]).verdict is Verdict.TIMEOUT
