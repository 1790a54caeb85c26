"""Sandbox overhead: median wall time of a trivial command and of a small pytest run under each
backend that works here, as a ratio to a plain unsandboxed subprocess measured in the same run.

    .venv/bin/python benchmarks/sandbox_overhead.py [--repeat 15]

Target: bubblewrap adds under 50 ms per run and under 1.5x on the pytest run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sparring.sandbox import Limits, Sandbox, check_backends, open_sandbox
from sparring.tools.pytest_runner import PYTEST_ENV, pytest_argv

TEST_FILE = "test_small.py"
TEST_CODE = "".join(
    f"def test_{i}():\n    assert sum(range({i})) == {i * (i - 1) // 2}\n\n" for i in range(20)
)
TRIVIAL = ["python", "-c", "pass"]


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm the page cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def plain(argv: list[str], cwd: Path, env: dict[str, str]) -> Callable[[], object]:
    argv = [sys.executable if a == "python" else a for a in argv]
    return lambda: subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    limits = Limits(timeout=60)
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / TEST_FILE).write_text(TEST_CODE)
        env = {"PATH": "/usr/bin:/bin", **PYTEST_ENV}
        pytest_cmd = pytest_argv([TEST_FILE])
        base_trivial = median_seconds(plain(TRIVIAL, cwd, env), args.repeat)
        base_pytest = median_seconds(plain(pytest_cmd, cwd, env), args.repeat)
    print(f"{'backend':<10} {'trivial ms':>11} {'+ms':>8} {'ratio':>6}", end=" ")
    print(f"{'pytest ms':>10} {'+ms':>8} {'ratio':>6}")
    print(_row("none", base_trivial, base_trivial, base_pytest, base_pytest))
    for report in check_backends():
        if not report.available:
            print(f"{report.name:<10} unavailable: {report.reason}")
            continue
        trivial, test = measure(open_sandbox(report.name), pytest_cmd, limits, args.repeat)
        print(_row(report.name, trivial, base_trivial, test, base_pytest))


def measure(sandbox: Sandbox, pytest_cmd: list[str], limits: Limits, repeat: int) -> tuple[float, float]:
    files = {TEST_FILE: TEST_CODE}
    trivial = median_seconds(lambda: sandbox.run(TRIVIAL, limits=limits), repeat)
    test = median_seconds(lambda: sandbox.run(pytest_cmd, files=files, env=PYTEST_ENV, limits=limits), repeat)
    return trivial, test


def _row(name: str, trivial: float, base_trivial: float, test: float, base_test: float) -> str:
    return (
        f"{name:<10} {trivial * 1e3:>11.1f} {(trivial - base_trivial) * 1e3:>8.1f} "
        f"{trivial / base_trivial:>6.2f} "
        f"{test * 1e3:>10.1f} {(test - base_test) * 1e3:>8.1f} {test / base_test:>6.2f}"
    )


if __name__ == "__main__":
    main()
