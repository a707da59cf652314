"""In a comparison each side answers with the model it names, or fails with that model's own error; the catalog's
fallbacks still serve `ask`, `auto`, `/chat` and `/generate`, whose records then name the model that answered and
the one it stood in for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from streamlit.testing.v1 import AppTest

from llm_core import Comparison, Job, ask
from llm_core.api.server import create_app
from llm_core.cli.main import main
from llm_core.session.display import error_title, metrics_line
from llm_core.store.csv_store import default_store
from tests.loopback import Behaviour, openai_server

APP = Path(__file__).parents[1] / "streamlit_app.py"
HI = [{"role": "user", "content": "hi"}]
FAILING = Behaviour(status=500)  # a server error, retried until the attempts run out
SERVER_ERROR_TITLE = "The provider had a server error (after 3 attempts)"


@pytest.fixture
def servers(isolated, monkeypatch):
    """`primary` (whose catalog fallback is `backup`, and `auto`'s first choice) and `backup`, each on its own
    loopback server."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real-5678")
    monkeypatch.setenv("SWITCHBOARD_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("SWITCHBOARD_INITIAL_BACKOFF_S", "0.01")
    with openai_server() as primary, openai_server() as backup:
        (isolated / "models.toml").write_text(
            f'[models.primary]\nlabel = "Primary"\nprovider = "openai"\nname = "primary-model"\npriority = 1000\n'
            f'aliases = ["main"]\nbase_url = "{primary.base_url}"\nfallbacks = ["backup"]\n'
            f'[models.backup]\nlabel = "Backup"\nprovider = "openai"\nname = "backup-model"\n'
            f'base_url = "{backup.base_url}"\n'
        )
        primary.script(FAILING)
        backup.script(Behaviour(reply="backup speaking"))
        yield primary, backup


def assert_failed_as_itself(result: dict, model: str = "primary") -> None:
    assert (result["status"], result["model"], result["error_kind"]) == ("error", model, "server")
    assert "server had an error" in result["error"] and "every model failed" not in result["error"]


# --- in a comparison: no fallback ---------------------------------------------------------------------------


def test_a_compared_model_that_fails_is_not_replaced_by_its_fallback(servers):
    primary, backup = servers
    failed, other = Comparison([Job("primary", HI), Job("echo", HI)], store=False).run()
    assert_failed_as_itself(failed.to_dict() | {"error_kind": failed.error_kind})
    assert error_title(failed) == SERVER_ERROR_TITLE
    assert len(primary.requests) == 3 and not backup.requests
    assert other.status == "ok" and other.model == "echo"


def test_cli_compare_shows_each_models_own_failure(servers, capsys):
    _, backup = servers
    assert main(["compare", "-m", "primary", "-m", "echo", "--json", "hi"]) == 1
    lines = {line["requested_model"]: line for line in map(json.loads, capsys.readouterr().out.splitlines())}
    assert_failed_as_itself(lines["primary"] | {"error_kind": "server"})
    assert lines["echo"]["status"] == "ok" and not backup.requests
    logged = default_store().read_requests().frame
    assert sorted(logged["model"]) == ["echo", "primary"]


def test_api_compare_answers_each_side_with_the_model_it_names(servers):
    _, backup = servers
    reply = TestClient(create_app()).post("/compare", json={"prompt": "hi", "models": ["primary", "echo"]})
    assert reply.status_code == 200
    failed, other = reply.json()["results"]
    assert_failed_as_itself(failed | {"error_kind": "server"})
    assert other["model"] == "echo" and other["status"] == "ok" and not backup.requests


def test_a_compare_pane_that_fails_shows_its_own_models_error(isolated, monkeypatch):
    """The reported case: GPT-4o mini fails; its catalog fallback (a Groq model, no key) must not speak for it."""
    monkeypatch.setenv("SWITCHBOARD_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("SWITCHBOARD_INITIAL_BACKOFF_S", "0.01")
    with openai_server() as server:
        server.script(FAILING)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real-5678")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        at = AppTest.from_file(str(APP), default_timeout=30).run()
        at.selectbox(key="model_p1").set_value("gpt-4o-mini").run()
        at.selectbox(key="model_p2").set_value("echo").run()
        at.chat_input(key="prompt").set_value("hello").run()
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert error.startswith(f"**{SERVER_ERROR_TITLE}.**") and "openai" in error
    assert "GROQ_API_KEY" not in error and "Not configured" not in error
    [exchange] = at.session_state.conversation.pane("p1").exchanges
    assert (exchange.result.model, exchange.result.status) == ("gpt-4o-mini", "error")


# --- alone: the fallback answers, and says so ----------------------------------------------------------------


def test_ask_falls_back_and_the_record_names_both_models(servers):
    r = ask("primary", "hi")
    assert (r.status, r.text, r.model, r.fallback_for) == ("ok", "backup speaking", "backup", "primary")
    assert "primary" in r.fallback_errors[0]
    row = default_store().find_request(r.request_id)
    assert (row["model"], row["requested_model"], row["fallback_for"]) == ("backup", "primary", "primary")
    assert metrics_line(r).endswith("answered by backup (fallback from primary)")


def test_auto_falls_back_from_the_model_it_picked_and_says_which(servers):
    r = ask("auto", "hi", store=False)
    assert (r.requested_model, r.model, r.fallback_for) == ("auto", "backup", "primary")


def test_a_model_asked_by_its_alias_that_answers_itself_is_no_fallback(servers):
    primary, _ = servers
    primary.script(Behaviour(reply="primary speaking"))
    r = ask("main", "hi", store=False)
    assert (r.requested_model, r.model, r.fallback_for) == ("main", "primary", "")
    assert "fallback" not in metrics_line(r)


def test_cli_ask_still_falls_back(servers, capsys):
    assert main(["ask", "-m", "primary", "--json", "hi"]) == 0
    [line] = map(json.loads, capsys.readouterr().out.splitlines())
    assert (line["status"], line["model"], line["fallback_for"]) == ("ok", "backup", "primary")


@pytest.mark.parametrize(
    ("route", "body"), [("/generate?model=primary", {"prompt": "hi"}), ("/chat", {"prompt": "hi", "model": "primary"})]
)
def test_generate_and_chat_fall_back_and_name_both_models(servers, route, body):
    reply = TestClient(create_app()).post(route, json=body)
    body = reply.json()
    assert reply.status_code == 200
    assert (body["model"], body["requested_model"], body["fallback_for"]) == ("backup", "primary", "primary")
