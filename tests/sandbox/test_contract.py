"""The contract every backend must honour; backends that do not work on this host skip with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sparring.errors import ConfigError, SandboxError
from sparring.sandbox import (
    TRUNCATION_MARKER,
    BwrapSandbox,
    ContainerSandbox,
    Limits,
    ProcessSandbox,
    Sandbox,
    Verdict,
    check_backends,
    open_sandbox,
)

QUICK = Limits(timeout=5)


def _make(name: str) -> Sandbox:
    if name == "bwrap":
        return BwrapSandbox()
    if name == "process":
        return ProcessSandbox()
    return ContainerSandbox("docker" if name == "docker" else "podman")


_cache: dict[str, Sandbox] = {}


@pytest.fixture(params=["bwrap", "docker", "podman", "process"])
def backend(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    name = request.param
    sandbox = _cache.setdefault(name, _make(name))
    report = sandbox.report()
    if not report.available:
        pytest.skip(f"{name} does not work on this host: {report.reason}")
    yield sandbox


def test_stdout_exit_code_and_record(backend: Sandbox) -> None:
    ok = backend.run(["python", "-c", "print('hello')"], limits=QUICK)
    assert (ok.verdict, ok.exit_code, ok.stdout, ok.backend) == (Verdict.OK, 0, "hello\n", backend.name)
    bad = backend.run(["python", "-c", "import sys; sys.stderr.write('boom'); sys.exit(3)"], limits=QUICK)
    assert (bad.verdict, bad.exit_code, bad.stderr) == (Verdict.FAILED, 3, "boom")
    assert 0 < ok.duration < QUICK.timeout


def test_files_in_results_out(backend: Sandbox) -> None:
    code = "import pathlib; pathlib.Path('out/result.txt').write_text(open('pkg/data.txt').read().upper())"
    result = backend.run(
        ["python", "-c", code],
        files={"pkg/data.txt": "abc", "out/.keep": b""},
        collect=["out/result.txt", "missing.txt"],
        limits=QUICK,
    )
    assert result.ok, result.stderr
    assert result.files == {"out/result.txt": b"ABC"}


def test_caller_workdir_persists(backend: Sandbox, tmp_path: Path) -> None:
    result = backend.run(["python", "-c", "open('made.txt', 'w').write('x')"], workdir=tmp_path, limits=QUICK)
    assert result.ok, result.stderr
    assert (tmp_path / "made.txt").read_text() == "x"


def test_deadline_kills(backend: Sandbox) -> None:
    result = backend.run(["python", "-c", "import time; time.sleep(30)"], limits=Limits(timeout=0.5))
    assert result.verdict is Verdict.TIMEOUT
    assert result.duration < 3


def test_output_is_capped_with_marker(backend: Sandbox) -> None:
    result = backend.run(["python", "-c", "print('y' * 100_000)"], limits=Limits(timeout=5, output=1000))
    assert result.verdict is Verdict.OUTPUT_LIMIT and result.stdout_truncated
    assert result.stdout == "y" * 1000 + TRUNCATION_MARKER


def test_environment_is_scrubbed(backend: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARRING_CONTRACT_HOST_VAR", "leak")
    result = backend.run(
        ["python", "-c", "import os; print(sorted(os.environ))"],
        env={"VISIBLE": "1", "MY_API_KEY": "secret"},
        limits=QUICK,
    )
    assert "'VISIBLE'" in result.stdout
    assert "SPARRING_CONTRACT_HOST_VAR" not in result.stdout and "MY_API_KEY" not in result.stdout


def test_bad_workspace_path_is_a_setup_error(backend: Sandbox) -> None:
    result = backend.run(["python", "-c", "print(1)"], files={"../escape.py": "x"}, limits=QUICK)
    assert result.verdict is Verdict.SETUP_ERROR and not result.ok and result.exit_code is None


def test_bwrap_setup_failure_never_runs_the_command(tmp_path: Path) -> None:
    broken = BwrapSandbox(executable="/bin/false")
    result = broken.run(["sh", "-c", "touch ran"], workdir=tmp_path, limits=QUICK)
    assert result.verdict is Verdict.SETUP_ERROR and not result.ok
    assert not (tmp_path / "ran").exists()
    assert not broken.report().available


def test_bwrap_mounts_protected_paths_read_only(tmp_path: Path) -> None:
    sandbox = _cache.setdefault("bwrap", BwrapSandbox())
    if not sandbox.report().available:
        pytest.skip("bwrap does not work here")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("def test(): pass\n")
    code = (
        "import sys\nfor p in ('.git/HEAD', 'tests/test_x.py', 'src.py'):\n"
        "    try:\n        open(p, 'a').write('#')\n        print('wrote', p)\n"
        "    except OSError:\n        print('refused', p)\n"
    )
    result = sandbox.run(["python", "-c", code], workdir=tmp_path, readonly=[".git", "tests"], limits=QUICK)
    assert result.stdout.split("\n")[:3] == ["refused .git/HEAD", "refused tests/test_x.py", "wrote src.py"]
    assert (tmp_path / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"


def test_selection_and_reports() -> None:
    reports = {r.name: r for r in check_backends()}
    assert list(reports) == ["bwrap", "docker", "podman", "process"]
    assert reports["process"].available
    assert not any(p.enforced for p in reports["process"].protections if p.name in ("filesystem", "network"))
    chosen = open_sandbox()
    strongest = next(name for name, r in reports.items() if r.available)
    assert chosen.name == strongest
    with pytest.raises(ConfigError):
        open_sandbox("chroot")
    for name, report in reports.items():
        if not report.available:
            with pytest.raises(SandboxError, match=name):
                open_sandbox(name)
