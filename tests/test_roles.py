"""Roles are data: built-in role files, user overrides, strict templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparring.errors import ConfigError
from sparring.roles import builtin_roles, load_roles
from sparring.tasks import demo_task


def test_builtin_roles_exist_and_render() -> None:
    roles = builtin_roles()
    assert {"coder", "test_designer", "test_reviewer", "planner", "reviewer", "reflector"} <= set(roles)
    msgs = roles["planner"].messages(task=demo_task())
    assert msgs[0].role == "system" and "merge_intervals" in msgs[1].content


def test_missing_template_variable_is_an_error_not_a_blank() -> None:
    with pytest.raises(ConfigError, match="plan"):
        builtin_roles()["coder"].messages(task=demo_task())


def test_user_role_files_override_and_extend(tmp_path: Path) -> None:
    (tmp_path / "coder.toml").write_text(
        'name = "coder"\nprompt = "Write {{ task.entry_point }}"\ntemperature = 0.3\n'
    )
    (tmp_path / "judge.toml").write_text('name = "judge"\nprompt = "Judge"\noutput = "json"\n')
    roles = load_roles([tmp_path])
    assert roles["coder"].temperature == 0.3 and roles["coder"].source.endswith("coder.toml")
    assert roles["judge"].output == "json"
    assert roles["coder"].messages(task=demo_task())[-1].content == "Write merge_intervals"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("name = ", "not valid TOML"),
        ('name = "x"', "lacks prompt"),
        ('name="x"\nprompt="p"\noutput="xml"', "output"),
    ],
)
def test_bad_role_files_name_the_problem(tmp_path: Path, text: str, match: str) -> None:
    (tmp_path / "bad.toml").write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_roles([tmp_path])


def test_a_role_prefill_becomes_the_start_of_the_reply(tmp_path: Path) -> None:
    (tmp_path / "starter.toml").write_text(
        'name = "starter"\nprompt = "Write {{ name }}."\nprefill = "def {{ name }}("\n', encoding="utf-8"
    )
    role = load_roles([tmp_path])["starter"]
    messages = role.messages(name="f")
    assert (messages[-1].role, messages[-1].content) == ("assistant", "def f(")


def test_an_empty_plan_leaves_the_test_designer_prompt_as_it_was() -> None:
    designer = builtin_roles()["test_designer"]
    plain = designer.messages(task=demo_task(), count=6, lessons=["a lesson"])
    assert designer.messages(task=demo_task(), count=6, lessons=["a lesson"], plan="") == plain
    planned = designer.messages(task=demo_task(), count=6, lessons=[], plan="1. sort: `sorted(x)`")
    assert "1. sort: `sorted(x)`" in planned[-1].content


def test_a_role_file_may_carry_more_templates() -> None:
    designer = builtin_roles()["test_designer"]
    text = designer.template("revise", objections=[{"test": "assert f(1) == 2", "reason": "it is 3"}])
    assert "`assert f(1) == 2`: it is 3" in text
    with pytest.raises(ConfigError, match="no 'nonsense' template"):
        designer.template("nonsense")
