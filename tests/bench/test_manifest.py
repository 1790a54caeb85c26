"""The manifest of a results folder: one record per invocation, and what pooled records disagree on."""

from __future__ import annotations

from pathlib import Path

from sparring.bench import manifest
from sparring.workflows import TeamConfig


def _entry(started: str, **changes: object) -> dict[str, object]:
    team = TeamConfig("sop", {"samples": 4})
    entry = manifest.invocation(
        ["sop"], {"sop": team}, sandbox="bwrap", workers=2, cache=False, selection={}, argv=["bench", "x"]
    )
    return entry | {"started": started} | changes


def test_records_append_and_a_repeated_invocation_replaces_its_own_line(tmp_path: Path) -> None:
    manifest.record(tmp_path, _entry("t1"))
    manifest.record(tmp_path, _entry("t1", workers=1))  # the same invocation, recorded again
    manifest.record(tmp_path, _entry("t2"))
    assert [(e["started"], e["workers"]) for e in manifest.read(tmp_path)] == [("t1", 1), ("t2", 2)]


def test_a_damaged_line_is_skipped_when_read_and_kept_when_appending(tmp_path: Path) -> None:
    manifest.record(tmp_path, _entry("t1"))
    with (tmp_path / manifest.MANIFEST_NAME).open("a", encoding="utf-8") as fh:
        fh.write('{"cut short\n')
    manifest.record(tmp_path, _entry("t2"))
    assert [e["started"] for e in manifest.read(tmp_path)] == ["t1", "t2"]
    assert '{"cut short' in (tmp_path / manifest.MANIFEST_NAME).read_text(encoding="utf-8")


def test_differences_name_source_team_and_model_but_not_other_workflows() -> None:
    one = _entry("t1")
    assert _entry("t2")["command"] == "sparring bench x"
    assert manifest.differences([one, _entry("t2")]) == []
    assert manifest.differences([one, _entry("t2", teams={"single": "abc"})]) == []  # another workflow
    assert manifest.differences([one, _entry("t2", source="sparring 9")]) == ["source"]
    assert manifest.differences([one, _entry("t2", teams={"sop": "other"})]) == ["team of sop"]
    other_model = _entry("t2", models={"local": "another file"})
    assert manifest.differences([one, other_model]) == ["model local"]


def test_the_team_digest_follows_settings_and_role_prompts(tmp_path: Path) -> None:
    base = TeamConfig("sop", {"samples": 4})
    assert manifest.team_digest(base) == manifest.team_digest(TeamConfig("sop", {"samples": 4}))
    assert manifest.team_digest(base) != manifest.team_digest(TeamConfig("sop", {"samples": 8}))
    role = tmp_path / "coder.toml"
    role.write_text('name = "coder"\ndescription = "d"\nsystem = "s"\nprompt = "p"\n', encoding="utf-8")
    assert manifest.team_digest(base) != manifest.team_digest(
        TeamConfig("sop", {"samples": 4}, role_dirs=(str(role),))
    )
