"""Hostile and broken generated code against the default backend: the named verdict, a bounded run,
and an unharmed host (files, secrets, processes, loopback network) every time."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass

import pytest

from sparring.sandbox import Execution, Limits, Sandbox, Verdict
from sparring.sandbox.types import MiB

from .conftest import Loopback, Victim, wait_gone

LIMITS = Limits(timeout=1.5, memory=128 * MiB, pids=32, output=256 * 1024, disk=8 * MiB)


@dataclass(frozen=True)
class Case:
    code: str
    verdict: Verdict
    bound: float = LIMITS.timeout + 2.5


# Code is formatted with {victim}, {secret} and {port} before it runs.
CASES: dict[str, Case] = {
    "fork_bomb": Case(
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
        Verdict.PIDS_LIMIT,
    ),
    "cpu_spin": Case("while True:\n    pass\n", Verdict.TIMEOUT),
    "sleep_forever": Case("import time\ntime.sleep(10**6)\n", Verdict.TIMEOUT),
    "memory_blowup": Case(
        "chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 2**20))\n", Verdict.MEMORY_LIMIT
    ),
    "gigabyte_of_lines": Case(
        "import sys\nline = 'x' * 99 + '\\n'\nfor _ in range(10**7):\n    sys.stdout.write(line)\n",
        Verdict.OUTPUT_LIMIT,
    ),
    "gigabyte_no_newline": Case(
        "import os\nblock = b'x' * 2**20\nfor _ in range(1024):\n    os.write(2, block)\n",
        Verdict.OUTPUT_LIMIT,
    ),
    "disk_fill_workspace": Case(
        "i = 0\nwhile True:\n    open(f'fill{{i}}', 'wb').write(b'x' * 2**20)\n    i += 1\n",
        Verdict.DISK_LIMIT,
    ),
    "disk_fill_one_file": Case(
        "with open('big', 'wb') as f:\n    while True:\n        f.write(b'x' * 2**20)\n", Verdict.DISK_LIMIT
    ),
    "disk_fill_tmp": Case(
        "i = 0\nwhile True:\n    open(f'/tmp/fill{{i}}', 'wb').write(b'x' * 2**20)\n    i += 1\n",
        Verdict.DISK_LIMIT,
    ),
    "daemonised_child": Case(
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n"
        "    if os.fork() == 0:\n        time.sleep(10**6)\n"
        "    os._exit(0)\nprint('parent done')\n",
        Verdict.OK,
        bound=1.5,
    ),
    "orphan_holds_pipes": Case(
        "import os, time\nif os.fork() == 0:\n    time.sleep(10**6)\nprint('parent done')\n",
        Verdict.OK,
        bound=1.5,
    ),
    "escape_writes": Case(
        "import os\n"
        "attempts = [\n"
        "    lambda: open('{victim}/keep.txt', 'w').write('pwned'),\n"
        "    lambda: open('{victim}/new.txt', 'w').write('pwned'),\n"
        "    lambda: open('../../../../{victim}/new2.txt', 'w').write('pwned'),\n"
        "    lambda: os.symlink('{victim}/keep.txt', 'link'),\n"
        "    lambda: open('link', 'w').write('pwned'),\n"
        "    lambda: os.symlink('{victim}', 'dirlink'),\n"
        "    lambda: open('dirlink/new3.txt', 'w').write('pwned'),\n"
        "    lambda: open('/usr/pwned', 'w').write('pwned'),\n"
        "    lambda: open('/etc/passwd', 'a').write('pwned'),\n"
        "    lambda: open('{venv}/pwned', 'w').write('pwned'),\n"
        "]\n"
        "for n, attempt in enumerate(attempts):\n"
        "    try:\n        attempt()\n        print('DONE', n)\n"
        "    except OSError:\n        print('DENIED', n)\n",
        Verdict.OK,
        bound=3.0,
    ),
    "read_secrets": Case(
        "import os\n"
        "keys = ['{secret}', os.path.expanduser('~/.ssh/id_rsa'), '/root/.ssh/id_rsa',"
        " '{home}/.ssh/id_rsa']\n"
        "for path in keys:\n"
        "    try:\n        print(open(path).read())\n    except OSError as e:\n        print('denied', e)\n"
        "for path in ['/root', '{home}']:\n"
        "    try:\n        print(os.listdir(path))\n    except OSError as e:\n        print('denied', e)\n"
        "print(dict(os.environ))\n",
        Verdict.OK,
        bound=3.0,
    ),
    "loopback_connect": Case(
        "import socket\ns = socket.socket()\ns.settimeout(0.5)\n"
        "try:\n    s.connect(('127.0.0.1', {port}))\n    print('CONNECTED')\n"
        "except OSError as e:\n    print('refused', e)\n",
        Verdict.OK,
        bound=3.0,
    ),
    "kill_parent_and_everyone": Case(
        "import os, signal\n"
        "for target in (os.getppid(), 1, -1):\n"
        "    try:\n        os.kill(target, signal.SIGKILL)\n"
        "    except OSError as e:\n        print('denied', e)\n"
        "print('still here')\n",
        Verdict.OK,
        bound=3.0,
    ),
}


def _run(sandbox: Sandbox, case: Case, victim: Victim, loopback: Loopback, marker: str) -> Execution:
    import sys

    code = case.code.format(
        victim=victim.root,
        secret=victim.secret,
        port=loopback.port,
        home=os.path.expanduser("~"),
        venv=sys.prefix,
    )
    return sandbox.run(
        ["python", "-c", code, marker],
        limits=LIMITS,
        env={"SPARRING_TEST_API_KEY": victim.canary, "GITHUB_TOKEN": victim.canary},
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_code_is_contained(
    name: str, default_sandbox: Sandbox, victim: Victim, loopback: Loopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    monkeypatch.setenv("SPARRING_HOST_SECRET", victim.canary)  # must not leak through the environment
    before = victim.snapshot()
    marker = f"sparring-adversarial-{uuid.uuid4().hex}"
    started = time.monotonic()
    result = _run(default_sandbox, case, victim, loopback, marker)
    elapsed = time.monotonic() - started

    assert result.verdict is case.verdict, (result.verdict, result.exit_code, result.stderr[-500:])
    assert result.backend == default_sandbox.name
    assert elapsed < case.bound, f"{name} took {elapsed:.1f}s"
    assert victim.snapshot() == before, "a host file outside the workspace changed"
    assert victim.canary not in result.stdout + result.stderr, "a host secret was read"
    assert "CONNECTED" not in result.stdout and not loopback.accepted_any(), (
        "the loopback listener was reached"
    )
    assert wait_gone(marker) == [], "a sandboxed process outlived the run"
    assert len(result.stdout) <= LIMITS.output + 200 and len(result.stderr) <= LIMITS.output + 200


def test_escape_attempts_were_really_made(
    default_sandbox: Sandbox, victim: Victim, loopback: Loopback
) -> None:
    """Guard against a vacuous suite: the escape code ran and every attempt was refused."""
    result = _run(default_sandbox, CASES["escape_writes"], victim, loopback, "escape-check")
    # Dangling symlinks may be created inside the workspace (3, 5); nothing may be written through them.
    assert result.stdout.split() == [
        w for n in range(10) for w in ("DONE" if n in (3, 5) else "DENIED", str(n))
    ]
    secrets = _run(default_sandbox, CASES["read_secrets"], victim, loopback, "secret-check")
    assert secrets.stdout.count("denied") == 4, secrets.stdout  # every key file read refused
    assert "'.ssh'" not in secrets.stdout, "a home directory listing shows .ssh"
    assert "SPARRING_HOST_SECRET" not in secrets.stdout and "GITHUB_TOKEN" not in secrets.stdout
    assert any("dropped secret-looking variables" in n for n in secrets.notes)


def test_limits_report_how_they_were_enforced(default_sandbox: Sandbox) -> None:
    result = default_sandbox.run(["python", "-c", "print('hi')"], limits=LIMITS)
    assert result.verdict is Verdict.OK and result.stdout == "hi\n"
    assert {"memory", "pids", "timeout", "output", "disk"} <= set(result.enforcement)
