"""The manifest of a results folder: one record per invocation, and what pooled records disagree on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sparring.bench import manifest
from sparring.workflows import TeamConfig

ROLE = 'name = "coder"\ndescription = "d"\nsystem = "s"\nprompt = "{}"\n'


def _entry(**changes: object) -> dict[str, Any]:
    team = TeamConfig("sop", {"samples": 4})
    entry = manifest.invocation(
        ["sop"], {"sop": team}, sandbox="bwrap", workers=2, cache=False, selection={}, argv=["bench", "x"]
    )
    return entry | changes


def test_an_invocation_keeps_one_line_and_counts_the_rows_it_added(tmp_path: Path) -> None:
    first, second = _entry(), _entry()
    manifest.begin(tmp_path, first, resumed=False)
    manifest.record(tmp_path, first, added=3)
    manifest.record(tmp_path, first | {"workers": 1}, added=2)  # the same invocation adds its baselines
    manifest.begin(tmp_path, second, resumed=True)
    assert [(e["id"], e["workers"], e.get("rows")) for e in manifest.read(tmp_path)] == [
        (first["id"], 1, 5),
        (second["id"], 2, None),  # started, not finished
    ]
    manifest.begin(tmp_path, _entry(), resumed=False)  # a fresh results file: a fresh manifest
    assert len(manifest.read(tmp_path)) == 1


def test_a_damaged_line_is_skipped_when_read_and_kept_when_writing(tmp_path: Path) -> None:
    manifest.record(tmp_path, _entry(started="t1"))
    with (tmp_path / manifest.MANIFEST_NAME).open("a", encoding="utf-8") as fh:
        fh.write('{"cut short\n')
    manifest.record(tmp_path, _entry(started="t2"))
    assert [e["started"] for e in manifest.read(tmp_path)] == ["t1", "t2"]
    assert '{"cut short' in (tmp_path / manifest.MANIFEST_NAME).read_text(encoding="utf-8")


def test_differences_name_source_team_and_model_of_invocations_that_wrote_rows() -> None:
    one = _entry(rows=4)
    assert _entry()["command"] == "sparring bench x"
    assert manifest.differences([one, _entry(rows=1)]) == []
    assert manifest.differences([one, _entry(teams={"single": "abc"})]) == []  # another workflow
    assert manifest.differences([one, _entry(source="sparring 9")]) == ["source"]
    assert manifest.differences([one, _entry(source="sparring 9", rows=0)]) == []  # it added nothing
    assert manifest.differences([one, _entry(teams={"sop": "other"})]) == ["team of sop"]
    assert manifest.differences([one, _entry(models={"local": "another file"})]) == ["model local"]


def test_the_team_digest_follows_settings_and_prompt_content_not_paths(tmp_path: Path) -> None:
    def digest(prompt: str, folder: str, samples: int = 4) -> str:
        role = tmp_path / folder / "coder.toml"
        role.parent.mkdir(exist_ok=True)
        role.write_text(ROLE.format(prompt), encoding="utf-8")
        return manifest.team_digest(TeamConfig("sop", {"samples": samples}, role_dirs=(str(role),)))

    assert digest("p", "a") == digest("p", "b")  # the same team in another checkout
    assert digest("p", "a") != digest("q", "a")
    assert digest("p", "a") != digest("p", "a", samples=8)


def test_the_default_model_is_named_by_its_hash() -> None:
    assert manifest.model_identity("local") == manifest.model_identity("local:")
    assert "sha256:" in manifest.model_identity("local")
    assert manifest.model_identity("openai:gpt-4o") == "openai:gpt-4o"
