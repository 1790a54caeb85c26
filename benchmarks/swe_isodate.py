"""Build and verify the shipped repository instances: isodate 0.7.2 with real-looking bugs put back.

    .venv/bin/python benchmarks/swe_isodate.py [--sdist isodate-0.7.2.tar.gz]

Takes isodate's sdist from PyPI (``pip download``; BSD-3-Clause, its LICENSE is in the tree),
commits it as ``main`` (fixed author and dates, so commit ids are the same on every machine), and
puts one bug on top of it per instance, on a branch of its own. Then, for every instance, it runs
the project's tests in the sandbox: FAIL_TO_PASS is every test that fails with the bug (there must
be some), PASS_TO_PASS six tests that pass with and without it, and the reference fix (the reverse
of the bug, kept in the row's ``patch``) must resolve the instance through ``score_patch``. Writes
``src/sparring/data/swe/isodate.bundle`` and ``isodate.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from sparring.bench.instances import load_instances
from sparring.bench.repo_benchmark import prepare_issue
from sparring.bench.repo_scoring import instance_outcomes, score_patch
from sparring.repo.environment import repo_environment
from sparring.repo.testing import TestCommand, run_tests
from sparring.sandbox import Sandbox, open_sandbox, showing

VERSION = "0.7.2"
OUT = Path(__file__).resolve().parents[1] / "src" / "sparring" / "data" / "swe"
KEEP = (
    "LICENSE",
    "README.rst",
    "CHANGES.txt",
    "pyproject.toml",
    "tox.ini",
    ".gitignore",
    "src/isodate",
    "tests",
)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "sparring",
    "GIT_AUTHOR_EMAIL": "sparring@localhost",
    "GIT_COMMITTER_NAME": "sparring",
    "GIT_COMMITTER_EMAIL": "sparring@localhost",
    "GIT_AUTHOR_DATE": "2024-10-08T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2024-10-08T00:00:00+00:00",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}

# (instance id, file, the line(s) as isodate has them, the line(s) with the bug, problem statement)
BUGS = [
    (
        "isodate-1",
        "src/isodate/isotzinfo.py",
        "    return FixedOffset(tzsign * tzhour, tzsign * tzmin, tzname)\n",
        "    return FixedOffset(tzsign * tzhour, tzmin, tzname)\n",
        "Negative UTC offsets with minutes are parsed wrong\n\n"
        "`parse_datetime('2012-10-30T08:55:22-05:30').utcoffset()` is `-1 day, 19:30:00` (that is\n"
        "-4:30), but the string says -5:30. Offsets like `-05:00` or `+05:30` come out right; only\n"
        "negative offsets that have minutes are wrong, in dates with times and in `parse_time`.",
    ),
    (
        "isodate-2",
        "src/isodate/duration.py",
        "    if ((year % 400) == 0) or ((year % 100) != 0) and ((year % 4) == 0):\n",
        "    if (year % 4) == 0:\n",
        "Adding months to a date in 1900 or 2100 can give February 29\n\n"
        "`date(1900, 1, 31) + Duration(months=1)` fails with `ValueError: day is out of range for\n"
        "month`. 1900 is not a leap year, so the result should be 1900-02-28 (the day is clamped to\n"
        "the end of the month, as it is for 2001). 2000 and 2004 behave correctly.",
    ),
    (
        "isodate-3",
        "src/isodate/duration.py",
        "    div = (a / b).to_integral(ROUND_FLOOR)\n",
        "    div = (a / b).to_integral(ROUND_DOWN)\n",
        "Subtracting a Duration in months that crosses into the previous year fails\n\n"
        "`date(2000, 2, 15) - Duration(months=3)` raises `ValueError: month must be in 1..12`\n"
        "instead of returning `date(1999, 11, 15)`. Going back within the same year works, and so\n"
        "does adding months across a year end.",
    ),
    (
        "isodate-4",
        "src/isodate/isostrf.py",
        "    % (tdt.toordinal() - date(tdt.year, 1, 1).toordinal() + 1),\n",
        "    % (tdt.toordinal() - date(tdt.year, 1, 1).toordinal()),\n",
        "Ordinal dates are formatted one day early\n\n"
        "`date_isoformat(date(1985, 4, 12), DATE_EXT_ORD_COMPLETE)` gives `1985-101`, but 12 April\n"
        "1985 is day 102 of the year, and `parse_date('1985-101')` gives 11 April, so a date does not\n"
        "survive formatting and parsing again. 1 January comes out as day `000`.",
    ),
    (
        "isodate-5",
        "src/isodate/isotime.py",
        '                second = Decimal(groups["second"]).quantize(\n'
        '                    Decimal(".000001"), rounding=ROUND_FLOOR\n',
        '                second = Decimal(groups["second"]).quantize(\n'
        '                    Decimal(".000001")\n',
        "Fractional seconds beyond microseconds are rounded instead of truncated\n\n"
        "`parse_time('23:59:59.9999999')` raises an error (the seconds round up to 60) and\n"
        "`parse_time('10:15:30.1234567')` gives 123457 microseconds. Digits past the sixth should be\n"
        "cut off, as they are for fractional minutes and hours.",
    ),
    (
        "isodate-6",
        "src/isodate/isodates.py",
        '                    sign * (int(groups["century"]) * 100 + 1), defaultmonth, defaultday\n',
        '                    sign * int(groups["century"]) * 100, defaultmonth, defaultday\n',
        "A century date parses to the last year of the previous century\n\n"
        "The docs of `parse_date` say that for a century alone it returns 1 January of year 1 of that\n"
        "century, but `parse_date('19')` returns `date(1900, 1, 1)` instead of `date(1901, 1, 1)`;\n"
        "`parse_date('+0019', 6)` does the same. Years, months and full dates are fine.",
    ),
]


def git(cwd: Path, *args: str, input: str | None = None) -> str:
    env = {**os.environ, **GIT_ENV}
    out = subprocess.run(
        ["git", "-c", "safe.directory=*", *args],
        cwd=cwd,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def sdist(path: str | None, scratch: Path) -> Path:
    if path:
        return Path(path)
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps"]
    subprocess.run([*cmd, f"isodate=={VERSION}", "-d", str(scratch)], check=True)
    return scratch / f"isodate-{VERSION}.tar.gz"


def build_repo(archive: Path, scratch: Path) -> tuple[Path, dict[str, str]]:
    with tarfile.open(archive) as tar:
        tar.extractall(scratch / "sdist", filter="data")
    top = scratch / "sdist" / f"isodate-{VERSION}"
    repo = scratch / "isodate"
    for name in KEEP:
        src, dst = top / name, repo / name
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dst)
    for path in repo.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "add", "-f", "src/isodate/version.py")  # in the sdist, though .gitignore names it
    git(repo, "commit", "-q", "-m", f"isodate {VERSION}, as in its sdist")
    commits = {}
    for iid, file, good, bad, _ in BUGS:
        git(repo, "checkout", "-q", "-b", iid, "main")
        text = (repo / file).read_text()
        assert text.count(good) == 1, f"{iid}: {file} does not hold the line once"
        text = text.replace(good, bad)
        if "ROUND_DOWN" in bad:
            text = text.replace(
                "from decimal import ROUND_FLOOR, Decimal",
                "from decimal import ROUND_DOWN, ROUND_FLOOR, Decimal",
            )
        (repo / file).write_text(text)
        git(repo, "commit", "-q", "-am", iid)
        commits[iid] = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "main")
    return repo, commits


def node_id(repo: Path, key: str) -> str:
    """A JUnit outcome key (``tests.test_date::test_parse[…]``) as a pytest node id."""
    module, name = key.split("::", 1)
    parts = module.split(".")
    for cut in range(len(parts), 0, -1):
        if (repo / ("/".join(parts[:cut]) + ".py")).is_file():
            return "::".join(["/".join(parts[:cut]) + ".py", *parts[cut:], name])
    raise SystemExit(f"cannot map {key} to a file")


def test_ids(repo: Path, commit: str, run: Callable[[], dict[str, str]]) -> tuple[list[str], list[str]]:
    """FAIL_TO_PASS (every test failing at ``commit`` and passing on ``main``) and six PASS_TO_PASS."""
    git(repo, "checkout", "-q", commit)
    broken = run()
    git(repo, "checkout", "-q", "main")
    runs = [run() for _ in range(5)]
    # Ids of tests parametrized over a set holding None change from run to run (hash(None) is its
    # address): such a test function is named as a whole, which runs all its cases.
    shifting = {k.split("[")[0] for other in [broken, *runs[1:]] for k in set(other) ^ set(runs[0])}

    def named(key: str) -> str:
        return node_id(repo, key.split("[")[0] if key.split("[")[0] in shifting else key)

    f2p = sorted({named(k) for k, o in broken.items() if o != "passed"})
    both = sorted(
        named(k)
        for k in runs[0]
        if k.split("[")[0] not in shifting and broken.get(k) == runs[0][k] == "passed"
    )
    return f2p, both[:: max(1, len(both) // 6)][:6]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdist", help="isodate's sdist (default: pip download it)")
    args = parser.parse_args()
    sandbox = open_sandbox()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        repo, commits = build_repo(sdist(args.sdist, scratch), scratch)
        env = repo_environment(repo, "isodate", cache=scratch / "envs")
        box = showing(sandbox, env.readonly)
        rows = []
        for iid, *_, statement in BUGS:
            f2p, p2p = test_ids(
                repo,
                commits[iid],
                lambda: run_tests(box, repo, TestCommand(), interpreter=env.interpreter).outcomes,
            )
            if not f2p:
                raise SystemExit(f"{iid}: no test fails with the bug")
            patch = git(repo, "diff", commits[iid], "main", "--", "src")
            rows.append({
                "instance_id": iid, "repo": "isodate.bundle", "base_commit": commits[iid],
                "problem_statement": statement, "FAIL_TO_PASS": f2p, "PASS_TO_PASS": p2p, "patch": patch,
            })  # fmt: skip
            print(f"{iid}: {len(f2p)} failing with the bug, {len(p2p)} kept passing")
        OUT.mkdir(parents=True, exist_ok=True)
        git(repo, "bundle", "create", "-q", str(OUT / "isodate.bundle"), "main", *commits)
        (OUT / "isodate.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        shutil.copy(repo / "LICENSE", OUT / "isodate-LICENSE")
    verify(sandbox)


def verify(sandbox: Sandbox) -> None:
    """Every shipped instance: its FAIL_TO_PASS tests fail at the base commit, and its reference
    fix resolves it."""
    data = load_instances(str(OUT / "isodate.jsonl"))
    with tempfile.TemporaryDirectory() as tmp:
        for inst in data.instances:
            issue = prepare_issue(inst, data.path.parent, cache=Path(tmp))
            at_base, _ = instance_outcomes(inst, "", issue.checkout, issue.environment, sandbox)
            still = [i for i in inst.fail_to_pass if at_base[i] == "passed"]
            assert not still, f"{inst.instance_id}: passes at its base commit: {still}"
            good = score_patch(inst, inst.patch, issue.checkout, issue.environment, sandbox)
            assert good.resolved, f"{inst.instance_id}: reference fix does not resolve it: {good.reason}"
            print(f"{inst.instance_id}: verified ({good.seconds:.1f} s)")


if __name__ == "__main__":
    main()
