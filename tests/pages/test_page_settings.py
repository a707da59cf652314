"""The Settings page, driven like a user: providers and their keys, Test, session keys, custom endpoints, reference."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

import llm_core
from llm_core.store.csv_store import default_store
from tests.app_support import settings_page

ENV_KEY = "sk-proj-environmentKEY0000aaaa1111WXYZ"
SECRETS_KEY = "gsk_secretsKEY0000bbbb2222cccc3333QRST"
SESSION_KEY = "sk-ant-sessionKEY0000dddd4444eeee5555"
ENDPOINT_KEY = "endpoint-KEY-0000ffff6666gggg7777"


def row(at: AppTest, provider: str) -> str:
    """The text of one provider's row in the table."""
    return " | ".join(m.value for m in at.get_by_key(f"provider_{provider}").markdown)


def rendered(at: AppTest) -> str:
    """Everything the page sent to the browser: every element's message, widget values, table contents."""
    parts: list[str] = []

    def walk(node) -> None:
        if (proto := getattr(node, "proto", None)) is not None:
            parts.append(str(proto))
        value = getattr(node, "value", None)
        parts.append(value.to_csv() if isinstance(value, pd.DataFrame) else str(value))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    walk(at.sidebar)
    return "\n".join(parts)


def use_session_key(at: AppTest, provider: str, key: str = "", base_url: str = "") -> AppTest:
    at.selectbox(key="session_key_provider").set_value(provider)
    at.text_input(key="session_key_value").input(key)
    at.text_input(key="session_key_base_url").input(base_url)
    at.button(key="session_key_submit").click()
    return at.run()


def files_containing(root: Path, text: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def test_providers_table_shows_where_each_key_comes_from_masked(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    at = settings_page(secrets={"GROQ_API_KEY": SECRETS_KEY})

    assert not at.exception
    assert "Configured" in row(at, "openai") and "…WXYZ" in row(at, "openai") and "environment" in row(at, "openai")
    assert "Configured" in row(at, "groq") and "…QRST" in row(at, "groq") and "Streamlit secrets" in row(at, "groq")
    assert "Not configured" in row(at, "gemini") and "GEMINI_API_KEY" in row(at, "gemini")
    assert "openrouter.ai/api/v1" in row(at, "openrouter")
    page = rendered(at)
    for key in (ENV_KEY, SECRETS_KEY):
        assert key not in page
        assert key[-5:] not in page  # never more than the last four characters


def test_session_key_configures_provider_for_that_session_only(isolated, caplog):
    caplog.set_level(logging.DEBUG)
    mine = settings_page()
    assert "Not configured" in row(mine, "anthropic")

    use_session_key(mine, "anthropic", SESSION_KEY)

    assert "Configured" in row(mine, "anthropic") and "this session" in row(mine, "anthropic")
    assert "…5555" in row(mine, "anthropic")
    assert mine.text_input(key="session_key_value").value == ""  # the key left the input
    assert SESSION_KEY not in rendered(mine)
    assert SESSION_KEY not in caplog.text
    assert files_containing(isolated, SESSION_KEY) == []  # never written to disk

    theirs = settings_page()
    assert "Not configured" in row(theirs, "anthropic")
    assert "ANTHROPIC_API_KEY" not in theirs.session_state.session_keys


def test_forgetting_a_session_key_unconfigures_the_provider():
    at = use_session_key(settings_page(), "anthropic", SESSION_KEY)
    at.button(key="forget_ANTHROPIC_API_KEY").click().run()
    assert "Not configured" in row(at, "anthropic")
    assert at.session_state.session_keys == {}


def test_session_form_without_a_key_says_what_is_missing():
    at = use_session_key(settings_page(), "openai")
    assert any("paste a key" in w.value for w in at.warning)
    assert "Not configured" in row(at, "openai")


def test_test_button_on_the_echo_provider_shows_its_model_and_round_trip():
    at = settings_page()
    at.button(key="test_echo").click().run()
    shown = " ".join(s.value for s in at.get_by_key("provider_echo").success)
    assert "`echo`" in shown
    assert re.search(r"\d+(\.\d)? ms round trip", shown)


def test_test_button_lists_a_loopback_servers_models_with_the_session_key(openai_server):
    at = use_session_key(settings_page(), "openai", SESSION_KEY, openai_server.base_url)
    assert openai_server.base_url.removeprefix("http://") in row(at, "openai")

    at.button(key="test_openai").click().run()

    shown = " ".join(s.value for s in at.get_by_key("provider_openai").success)
    assert "`gpt-4o-mini`" in shown and "`gpt-4.1`" in shown
    assert re.search(r"2 models · [\d.]+ (ms|s) round trip", shown)
    assert openai_server.last.headers["authorization"] == f"Bearer {SESSION_KEY}"
    assert SESSION_KEY not in rendered(at)


def test_test_button_against_a_dead_endpoint_shows_a_clear_error():
    at = use_session_key(settings_page(), "openai", SESSION_KEY, "http://127.0.0.1:9/v1")
    at.button(key="test_openai").click().run()

    errors = " ".join(e.value for e in at.get_by_key("provider_openai").error)
    assert "OpenAI did not answer" in errors
    assert "connection" in errors.lower()
    assert SESSION_KEY not in rendered(at)


def test_test_button_on_an_unconfigured_provider_names_the_variable_to_set():
    at = settings_page()
    at.button(key="test_gemini").click().run()
    errors = " ".join(e.value for e in at.get_by_key("provider_gemini").error)
    assert "GEMINI_API_KEY" in errors


def test_custom_endpoint_adds_its_models_to_the_session_catalog(openai_server):
    at = settings_page()
    at.text_input(key="custom_name").input("loop")
    at.text_input(key="custom_base_url").input(openai_server.base_url)
    at.text_input(key="custom_api_key").input(ENDPOINT_KEY)
    at.button(key="custom_test").click().run()
    assert "2 models" in " ".join(s.value for s in at.success)

    at.button(key="custom_use_listed").click().run()
    assert at.text_input(key="custom_model_names").value == "gpt-4.1, gpt-4o-mini"
    at.number_input(key="custom_input_price").set_value(0.5)
    at.button(key="custom_add").click().run()

    ids = [m.id for m in at.session_state.custom_models]
    assert ids == ["loop/gpt-4.1", "loop/gpt-4o-mini"]
    assert at.session_state.custom_models[0].input_price == 0.5
    catalog_ids = list(at.dataframe[-1].value["ID"])  # the catalog table: session_catalog() with them in it
    assert "loop/gpt-4.1" in catalog_ids and "echo" in catalog_ids
    assert at.text_input(key="custom_api_key").value == ""
    assert "…7777" in at.dataframe[0].value.to_csv()
    assert ENDPOINT_KEY not in rendered(at)

    at.button(key="remove_custom_loop").click().run()
    assert at.session_state.custom_models == []


def test_custom_endpoint_with_a_bad_url_says_what_to_fix():
    at = settings_page()
    at.text_input(key="custom_name").input("box")
    at.text_input(key="custom_base_url").input("localhost:8000")
    at.text_input(key="custom_model_names").input("m1")
    at.button(key="custom_add").click().run()
    assert any("http(s)://" in e.value for e in at.error)
    assert at.session_state.custom_models == []


def test_catalog_and_templates_are_readable():
    at = settings_page()
    catalog = at.dataframe[-1].value
    assert {"echo", "gpt-4o-mini", "claude-sonnet-4.5"} <= set(catalog["ID"])
    mini = catalog.set_index("ID").loc["gpt-4o-mini"]
    assert (mini["Input"], mini["Output"], mini["Context"], mini["Priority"]) == (0.15, 0.60, 128_000, 60)
    assert mini["Fallbacks"] == "llama-3.1-8b"
    assert at.get_by_key("template_summarize") is not None
    assert any("exactly three bullet points" in c.value for c in at.code)


def test_deploy_section_names_the_secrets_and_offers_the_logs():
    llm_core.ask("echo", "log me", store=default_store())
    at = settings_page()

    secrets = next(c.value for c in at.code if "secrets.toml" in c.value)
    for variable in ("OPENAI_API_KEY", "GROQ_API_KEY", "GEMINI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY"):
        assert f"{variable} = " in secrets
    assert "Community Cloud" in rendered(at) and "restart" in rendered(at)
    downloads = {b.label: b for b in at.get("download_button")}
    assert not downloads["requests.csv"].disabled
    assert downloads["ratings.csv"].disabled  # nothing rated yet
