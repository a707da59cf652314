"""A provider that sends an event Switchboard cannot read, mid-answer: the text so far is kept and the answer is
filed `incomplete`, saying the provider sent a malformed event, through every SDK and on every surface."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from streamlit.testing.v1 import AppTest

from llm_core import ask
from llm_core.api.server import create_app
from llm_core.cli.main import main
from llm_core.store.csv_store import default_store
from tests.loopback import Behaviour

APP = Path(__file__).parents[2] / "streamlit_app.py"
GARBLED = Behaviour(reply="one two three four", malformed_after_tokens=2)

# provider: (its loopback server, the model asked for, environment pointing it there)
WIRINGS = {
    "openai": ("openai_server", "openai:gpt-4o-mini", {"OPENAI_API_KEY": "sk-t", "OPENAI_BASE_URL": "{base_url}"}),
    "groq": ("openai_server", "groq:llama-3.1-8b-instant", {"GROQ_API_KEY": "gsk-t", "GROQ_BASE_URL": "{url}"}),
    "openrouter": (
        "openai_server",
        "openrouter:meta-llama/llama-3.3-70b",
        {"OPENROUTER_API_KEY": "sk-or-t", "OPENROUTER_BASE_URL": "{base_url}"},
    ),
    "ollama": ("openai_server", "ollama:llama3.2", {"OLLAMA_BASE_URL": "{url}"}),
    "gemini": ("gemini_server", "gemini:gemini-2.5-flash", {"GEMINI_API_KEY": "AIza-t", "GEMINI_BASE_URL": "{url}"}),
    "anthropic": (
        "anthropic_server",
        "anthropic:claude-haiku-4-5",
        {"ANTHROPIC_API_KEY": "sk-ant-t", "ANTHROPIC_BASE_URL": "{url}"},
    ),
}


def garbling(request, monkeypatch, provider: str) -> str:
    """Point `provider` at its loopback server, which garbles the third event of its next answer; its model id."""
    server_fixture, model, env = WIRINGS[provider]
    server = request.getfixturevalue(server_fixture)
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(url=server.url, base_url=server.base_url))
    server.script(GARBLED)
    return model


def assert_kept_and_filed_incomplete(status: str, text: str, error: str) -> None:
    assert (status, text) == ("incomplete", "one two")
    assert "the provider sent a malformed event" in error
    assert "unexpected" not in error and "Please report it" not in error


@pytest.mark.parametrize("provider", sorted(WIRINGS))
def test_a_malformed_event_mid_answer_keeps_the_text_and_is_logged_incomplete(request, monkeypatch, provider):
    model = garbling(request, monkeypatch, provider)
    r = ask(model, "count to four")
    assert_kept_and_filed_incomplete(r.status, r.text, r.error)
    row = default_store().find_request(r.request_id)
    assert_kept_and_filed_incomplete(row["status"], row["response"], row["error"])


def test_a_malformed_first_event_is_a_clear_error_not_an_internal_one(request, monkeypatch):
    model = garbling(request, monkeypatch, "openai")
    request.getfixturevalue("openai_server").script(Behaviour(reply="one two", malformed_after_tokens=0))
    r = ask(model, "count to two")
    assert (r.status, r.text, r.error_kind) == ("error", "", "malformed")
    assert "the provider sent a malformed event before any text" in r.error and "Please report it" not in r.error


def test_the_cli_prints_the_partial_answer_and_says_the_provider_sent_a_malformed_event(request, monkeypatch, capsys):
    model = garbling(request, monkeypatch, "openai")
    assert main(["ask", "-m", model, "count to four"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("one two") and "[incomplete]" in err
    assert "the provider sent a malformed event" in err and "Please report it" not in err


def test_the_api_answers_with_the_partial_text_and_the_malformed_event_error(request, monkeypatch):
    model = garbling(request, monkeypatch, "gemini")
    body = TestClient(create_app()).post(f"/generate?model={model}", json={"prompt": "count to four"}).json()
    assert_kept_and_filed_incomplete(body["status"], body["response"], body["error"])


def test_a_compare_pane_shows_the_partial_answer_and_says_the_event_was_malformed(request, monkeypatch):
    garbling(request, monkeypatch, "groq")
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.selectbox(key="model_p1").set_value("llama-3.1-8b").run()  # the catalog's Groq model
    at.selectbox(key="model_p2").set_value("echo").run()
    at.chat_input(key="prompt").set_value("count to four").run()
    assert not at.exception
    [exchange] = at.session_state.conversation.pane("p1").exchanges
    assert_kept_and_filed_incomplete(exchange.result.status, exchange.result.text, exchange.result.error)
    assert any(m.value == "one two" for m in at.markdown)
    [warning] = [w.value for w in at.warning]  # the echo pane answered in full
    assert warning.startswith("**Cut short.**") and "groq: the provider sent a malformed event" in warning
