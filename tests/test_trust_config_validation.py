"""Settings that used to be misread are refused, naming what to fix: templates, retry policy, generation options."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from llm_core import OptionsError, TemplateError, load_templates
from llm_core.api.server import create_app
from llm_core.policy import Policy


def test_a_template_with_a_numeric_system_prompt_names_the_field(isolated):
    (isolated / "templates.toml").write_text('[templates.terse]\ntext = "{prompt}"\nsystem = 5\n')
    with pytest.raises(TemplateError) as caught:
        load_templates()
    message = str(caught.value)
    assert "templates.toml" in message and "'terse'" in message and "system" in message


def test_an_unknown_template_field_is_named_with_the_known_ones(isolated):
    (isolated / "templates.toml").write_text('[templates.terse]\ntext = "{prompt}"\nsytem = "Be brief."\n')
    with pytest.raises(TemplateError) as caught:
        load_templates()
    message = str(caught.value)
    assert "templates.toml" in message and "'terse'" in message and "sytem" in message and "system" in message


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_a_timeout_that_is_not_a_finite_number_is_refused_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("SWITCHBOARD_TOTAL_TIMEOUT_S", value)
    with pytest.raises(OptionsError, match="SWITCHBOARD_TOTAL_TIMEOUT_S"):
        Policy.from_env()


def test_a_nan_deadline_is_refused_by_the_api_instead_of_answering_without_one(monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_TOTAL_TIMEOUT_S", "nan")
    reply = TestClient(create_app()).post("/generate?model=echo", json={"prompt": "hi"})
    assert reply.status_code != 200 and "SWITCHBOARD_TOTAL_TIMEOUT_S" in reply.json()["detail"]


@pytest.mark.parametrize(
    "variable, value", [("SWITCHBOARD_INITIAL_BACKOFF_S", "-1"), ("SWITCHBOARD_MAX_ATTEMPTS", "0")]
)
def test_each_policy_variable_out_of_range_is_named(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(OptionsError, match=variable):
        Policy.from_env()


@pytest.mark.parametrize("option", ["max_tokens", "temperature", "top_p"])
def test_a_boolean_option_in_the_api_is_refused_not_read_as_one(option):
    reply = TestClient(create_app()).post("/generate?model=echo", json={"prompt": "hi", "options": {option: True}})
    assert reply.status_code == 400 and option in reply.json()["detail"]
    assert "number" in reply.json()["detail"]
