"""Prompt templates: shipped ones work, user files add more, mistakes are explained."""

import json

import pytest

from llm_core import TemplateError, get_template, load_templates


def test_shipped_templates_fill_in_the_prompt_and_carry_a_system_prompt():
    templates = load_templates()
    assert len(templates) >= 5
    summarize = templates["summarize"]
    assert "The text {with braces}" in summarize.render("The text {with braces}")
    assert summarize.system


def test_a_prompt_containing_placeholders_is_not_reinterpreted():
    assert get_template("plain").render("{prompt} {other} {{x}}") == "{prompt} {other} {{x}}"


def test_a_user_templates_file_adds_templates(tmp_path):
    (tmp_path / "templates.toml").write_text('[templates.haiku]\ntext = "Write a haiku about {prompt}"\n')
    assert get_template("haiku").render("rain") == "Write a haiku about rain"


def test_templates_can_be_json(tmp_path, monkeypatch):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"templates": {"shout": {"text": "{prompt}!!!", "system": "Be loud."}}}))
    monkeypatch.setenv("SWITCHBOARD_TEMPLATES", str(path))
    assert get_template("shout").system == "Be loud."


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[templates.t]\ntext = "Hello {name}: {prompt}"\n', "unknown placeholder {name}"),
        ('[templates.t]\ntext = "No placeholder"\n', "missing the {prompt} placeholder"),
        ('[templates.t]\ntext = "Broken {prompt"\n', "literal braces"),
        ('[templates.t]\nsystem = "only a system"\n', "needs a text field"),
    ],
)
def test_template_mistakes_are_clear_errors(tmp_path, text, expected):
    (tmp_path / "templates.toml").write_text(text)
    with pytest.raises(TemplateError, match=expected):
        load_templates()


def test_an_unknown_template_lists_the_known_ones():
    with pytest.raises(TemplateError, match="known: plain"):
        get_template("nope")


def test_an_edited_templates_file_is_read_again_and_an_unchanged_one_is_not(tmp_path, monkeypatch):
    path = tmp_path / "templates.toml"
    path.write_text('[templates.haiku]\ntext = "Write a haiku about {prompt}"\n')
    first = load_templates()["haiku"]
    assert load_templates()["haiku"] is first  # parsed once, while the file stays as it was
    path.write_text('[templates.haiku]\ntext = "Write a long haiku about {prompt}"\n')
    assert get_template("haiku").render("rain") == "Write a long haiku about rain"
    path.write_text('[templates.haiku]\ntext = "Broken {prompt"\n')
    with pytest.raises(TemplateError, match="literal braces"):
        load_templates()
