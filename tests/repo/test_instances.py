"""Repository instances: the loader's one-line errors, the shipped set, the cached environment."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from sparring.bench.instances import is_instance_file, load_instances
from sparring.errors import TaskError
from sparring.repo.environment import repo_environment, requirements

GOOD = {
    "instance_id": "demo-1",
    "repo": "demo.bundle",
    "base_commit": "0123456789abcdef0123456789abcdef01234567",
    "problem_statement": "it breaks",
    "FAIL_TO_PASS": ["tests/test_a.py::test_b"],
    "PASS_TO_PASS": [],
}


def _file(tmp_path: Path, *rows: object) -> Path:
    path = tmp_path / "instances.jsonl"
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{not json", "instances.jsonl:2: not a JSON object"),
        ([1, 2], "instances.jsonl:2: expected a JSON object, got list"),
        (
            {**GOOD, "problem_statement": ""},
            "instances.jsonl:2: missing, empty or non-string field(s): problem",
        ),
        ({k: v for k, v in GOOD.items() if k != "repo"}, "field(s): repo"),
        ({**GOOD, "base_commit": "HEAD"}, "instances.jsonl:2: base_commit must be a commit id"),
        ({**GOOD, "FAIL_TO_PASS": []}, "instances.jsonl:2: FAIL_TO_PASS must name at least one test"),
        ({**GOOD, "PASS_TO_PASS": "tests/x.py"}, "PASS_TO_PASS must be a list of pytest node ids"),
        ({**GOOD, "test_cmd": "make check"}, "instances.jsonl:2: test_cmd must run pytest"),
        ({**GOOD, "hints": 3}, "field(s): hints"),
        (GOOD, "instance_id 'demo-1' appears more than once"),
    ],
)
def test_malformed_instances_are_one_line_errors(tmp_path: Path, row: object, message: str) -> None:
    path = _file(tmp_path, {**GOOD}, row)
    with pytest.raises(TaskError) as info:
        load_instances(str(path))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_swe_bench_rows_with_json_encoded_test_lists_load(tmp_path: Path) -> None:
    row = {**GOOD, "FAIL_TO_PASS": json.dumps(GOOD["FAIL_TO_PASS"]), "version": "1.0"}
    data = load_instances(str(_file(tmp_path, row)))
    assert data.instances[0].fail_to_pass == ("tests/test_a.py::test_b",)
    assert is_instance_file(str(data.path)) and not is_instance_file(str(tmp_path / "nope.jsonl"))


def test_the_shipped_instances_load_by_name_with_their_bundle_and_license() -> None:
    data = load_instances("isodate-bugs")
    assert data.name == "isodate-bugs" and len(data.instances) == 6
    assert all(i.patch.startswith("diff --git a/src/isodate/") and i.fail_to_pass for i in data.instances)
    assert (data.path.parent / "isodate.bundle").is_file()
    assert "Redistribution and use" in (data.path.parent / "isodate-LICENSE").read_text()


def _project(root: Path, requirement: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "requirements.txt").write_text(requirement + "\n")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "p"\ndependencies = ["attrs>=21"]\n'
        '[project.optional-dependencies]\ntest = ["hypothesis"]\ndocs = ["sphinx"]\n'
    )
    return root


def test_dependencies_come_from_requirements_files_and_pyproject(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", "iniconfig")
    assert requirements(root) == ["attrs>=21", "hypothesis", "-r", str(root / "requirements.txt")]


def test_the_environment_is_built_once_per_dependency_files_and_reused(tmp_path: Path) -> None:
    installs: list[list[str]] = []

    def installer(python: Path, reqs: Sequence[str]) -> None:
        assert python.name == "python" and python.parent.name == "bin"
        installs.append(list(reqs))

    root = _project(tmp_path / "p", "iniconfig")
    first = repo_environment(root, "p", cache=tmp_path / "envs", installer=installer)
    again = repo_environment(root, "p", cache=tmp_path / "envs", installer=installer)
    assert first == again and len(installs) == 1
    assert Path(first.interpreter.python).is_file() and first.readonly[0] in first.interpreter.python
    _project(root, "iniconfig==2.0.0")  # another dependency file: another environment
    other = repo_environment(root, "p", cache=tmp_path / "envs", installer=installer)
    assert other != first and len(installs) == 2


def test_a_repository_that_cannot_be_installed_is_one_clear_error(tmp_path: Path) -> None:
    def installer(python: Path, reqs: Sequence[str]) -> None:
        raise TaskError("pip could not install them: ERROR: No matching distribution found for nope")

    root = _project(tmp_path / "p", "nope")
    with pytest.raises(TaskError) as info:
        repo_environment(root, "proj", cache=tmp_path / "envs", installer=installer)
    assert str(info.value) == (
        "cannot install the dependencies of proj: pip could not install them: "
        "ERROR: No matching distribution found for nope"
    )
    assert not list((tmp_path / "envs").glob("proj-*/bin"))  # nothing half-built is left to reuse


def test_a_repository_url_is_cloned_once_into_the_cache_and_its_commit_found(
    git_repo: Path, tmp_path: Path
) -> None:
    from sparring.repo.sources import ensure_commit, repo_source
    from sparring.workspace import git

    url = git_repo.resolve().as_uri()  # file:///…: a URL, cloned as a remote would be
    head = git(git_repo, "rev-parse", "HEAD").strip()
    clone = repo_source(url, relative_to=tmp_path, cache=tmp_path / "repos")
    assert clone.parent == tmp_path / "repos" and clone != git_repo
    ensure_commit(clone, head)
    assert repo_source(url, relative_to=tmp_path, cache=tmp_path / "repos") == clone  # cloned once
    with pytest.raises(TaskError, match="is not in the repository"):
        ensure_commit(clone, "0" * 40)
    with pytest.raises(TaskError, match="cannot clone"):
        repo_source((tmp_path / "nothing").as_uri(), relative_to=tmp_path, cache=tmp_path / "repos")
