"""Pieces of the sandbox that need no real sandbox: verdict rules, workspace safety, the env, capture."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sparring.errors import SandboxError
from sparring.sandbox import Verdict
from sparring.sandbox.capture import Captured, capture
from sparring.sandbox.environment import sandbox_env
from sparring.sandbox.hostpaths import interpreter_binds
from sparring.sandbox.verdict import HostEvidence, classify
from sparring.sandbox.workspace import collect, disk_usage, safe_relative, write_files


def _cap(code: int | None = 0, stderr: bytes = b"", **flags: bool) -> Captured:
    return Captured(returncode=code, stdout=b"", stderr=stderr, duration=0.1, **flags)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cap", "host", "verdict"),
    [
        (_cap(0), HostEvidence(), Verdict.OK),
        (_cap(1), HostEvidence(), Verdict.FAILED),
        (_cap(-9, timed_out=True), HostEvidence(), Verdict.TIMEOUT),
        (_cap(-9, timed_out=True), HostEvidence(pids_exceeded=True), Verdict.PIDS_LIMIT),
        (_cap(137), HostEvidence(memory_exceeded=True), Verdict.MEMORY_LIMIT),
        (_cap(1, b"MemoryError\n"), HostEvidence(), Verdict.MEMORY_LIMIT),
        (_cap(0, b"MemoryError\n"), HostEvidence(), Verdict.OK),
        (_cap(-9, output_exceeded=True), HostEvidence(memory_exceeded=True), Verdict.OUTPUT_LIMIT),
        (_cap(153), HostEvidence(), Verdict.DISK_LIMIT),
        (_cap(1, b"OSError: [Errno 28] No space left on device"), HostEvidence(), Verdict.DISK_LIMIT),
        (_cap(0), HostEvidence(disk_exceeded=True), Verdict.DISK_LIMIT),
        (_cap(152), HostEvidence(), Verdict.TIMEOUT),
    ],
)
def test_verdict_rules(cap: Captured, host: HostEvidence, verdict: Verdict) -> None:
    assert classify(cap, host) is verdict


@pytest.mark.parametrize("bad", ["/etc/passwd", "../x", "a/../../x", ""])
def test_workspace_paths_must_stay_inside(bad: str) -> None:
    with pytest.raises(SandboxError):
        safe_relative(bad)


def test_collect_refuses_symlinks_out_of_the_workspace(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("key")
    ws = tmp_path / "ws"
    ws.mkdir()
    write_files(ws, {"ok.txt": "fine", "sub/inner.txt": b"\x00bin"})
    (ws / "report.xml").symlink_to(secret)
    (ws / "linkdir").symlink_to(tmp_path)
    got = collect(ws, ["ok.txt", "sub/inner.txt", "report.xml", "linkdir/secret", "absent"])
    assert got == {"ok.txt": b"fine", "sub/inner.txt": b"\x00bin"}
    with pytest.raises(SandboxError):
        write_files(ws, {"linkdir/planted": "x"})


def test_disk_usage_counts_files_not_symlink_targets(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * 1_000_000)
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "link").symlink_to(tmp_path / "big")
    (ws / "small").write_bytes(b"x" * 10_000)
    assert 10_000 <= disk_usage(ws) < 100_000


def test_environment_starts_empty_and_refuses_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST_ONLY", "1")
    env, dropped = sandbox_env(
        {"OK": "1", "OPENAI_API_KEY": "k", "gh_token": "t"}, path="/usr/bin", home="/w"
    )
    assert env["OK"] == "1" and env["HOME"] == "/w" and "HOST_ONLY" not in env
    assert sorted(dropped) == ["OPENAI_API_KEY", "gh_token"]


def test_interpreter_binds_never_expose_the_home_directory() -> None:
    home = Path(os.path.expanduser("~")).resolve()
    for bind in interpreter_binds():
        source = Path(bind.source)
        assert source != home and source not in home.parents and source != Path("/")


def test_capture_stops_reading_when_an_orphan_holds_the_pipes() -> None:
    code = "import os, time\nif os.fork() == 0:\n    time.sleep(30)\nprint('done')"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    started = time.monotonic()

    def kill() -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)

    cap = capture(proc, started=started, timeout=10, output_cap=1000, kill=kill)
    assert cap.stdout == b"done\n" and cap.returncode == 0 and not cap.timed_out
    assert cap.duration < 3
    assert any("outlived" in n for n in cap.notes)


def test_readonly_host_dirs_under_tmp_are_visible_above_the_tmpfs() -> None:
    """A checkout (or its venv) living under /tmp must not be hidden by the sandbox's own /tmp."""
    import shutil
    import tempfile

    from sparring.sandbox import BwrapSandbox

    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    host = Path(tempfile.mkdtemp(prefix="sparring-ro-", dir="/tmp"))
    try:
        host.chmod(0o755)
        (host / "marker.txt").write_text("visible")
        box = BwrapSandbox(extra_readonly=[host])
        seen = box.run(["cat", str(host / "marker.txt")])
        assert seen.ok and seen.stdout == "visible"
        written = box.run(["sh", "-c", f"echo x > {host}/marker.txt"])
        assert not written.ok and (host / "marker.txt").read_text() == "visible"
    finally:
        shutil.rmtree(host)
