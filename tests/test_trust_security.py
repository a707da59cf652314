"""Keys go only where they belong: a custom endpoint gets only its own key, a session's base URL only a session
key; a local server is ready only when it answers, and errors name the provider that failed."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from llm_core import Config, ask
from llm_core.api.server import create_app
from llm_core.catalog import catalog_with_local_models, load_catalog
from llm_core.cli.main import main
from llm_core.endpoints import custom_models
from llm_core.health import check_provider
from llm_core.session.picker import model_choices
from tests.app_support import settings_page
from tests.loopback import Behaviour

ENV_KEY = "sk-proj-operatorENVkey0000aaaa1111WXYZ"
OTHER_SESSION_KEY = "sk-proj-otherSESSIONkey0000bbbb2222"
ENDPOINT_KEY = "endpoint-KEY-0000ffff6666gggg7777"
VLLM_KEY = "vllm-token-0000hhhh8888iiii9999"


def keys_received(server) -> list[str]:
    """Every credential header value the server was sent, over all its requests."""
    return [r.headers.get(h, "") for r in server.requests for h in ("authorization", "x-api-key")]


def leaked(server, *keys: str) -> list[str]:
    """The keys among `keys` that reached the server in any header."""
    return [key for key in keys if any(key in value for value in keys_received(server))]


def custom_model(server, api_key: str | None = None, name: str = "box"):
    return custom_models(name, server.base_url, api_key, "gpt-4o-mini")[0]


# --- 1. a custom endpoint gets only its own key -------------------------------------------------------------


def test_custom_endpoint_without_key_never_gets_a_provider_key(openai_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    config = Config(session={"OPENAI_API_KEY": OTHER_SESSION_KEY})

    result = ask(custom_model(openai_server), "hello", config=config, store=False)

    assert result.status == "ok"
    assert leaked(openai_server, ENV_KEY, OTHER_SESSION_KEY) == []


def test_custom_endpoint_sends_only_the_key_given_with_it(openai_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)

    result = ask(custom_model(openai_server, ENDPOINT_KEY), "hello", config=Config(), store=False)

    assert result.status == "ok"
    assert openai_server.last.headers["authorization"] == f"Bearer {ENDPOINT_KEY}"


def test_one_sessions_endpoint_key_is_never_sent_for_another_sessions_endpoint(openai_server):
    """Both sessions add the same URL: the provider and client caches must not hand the first key to the second."""
    ask(custom_model(openai_server, ENDPOINT_KEY, name="mine"), "hello", config=Config(), store=False)
    openai_server.reset()

    result = ask(custom_model(openai_server, None, name="theirs"), "hello", config=Config(), store=False)

    assert result.status == "ok" and len(openai_server.requests) == 1
    assert leaked(openai_server, ENDPOINT_KEY) == []


def catalog_entry(isolated, server, extra: str = "") -> None:
    (isolated / "models.toml").write_text(
        f'[models.vllm]\nlabel = "vLLM box"\nprovider = "openai"\nname = "qwen"\nbase_url = "{server.base_url}"\n'
        + extra
    )


def test_catalog_entry_with_a_base_url_gets_no_provider_key(isolated, openai_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    catalog_entry(isolated, openai_server)

    result = ask("vllm", "hello", store=False)

    assert result.status == "ok"
    assert leaked(openai_server, ENV_KEY) == []


def test_catalog_entry_naming_api_key_var_sends_that_variable_only(isolated, openai_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    monkeypatch.setenv("VLLM_TOKEN", VLLM_KEY)
    catalog_entry(isolated, openai_server, 'api_key_var = "VLLM_TOKEN"\n')

    result = ask("vllm", "hello", store=False)

    assert result.status == "ok"
    assert openai_server.last.headers["authorization"] == f"Bearer {VLLM_KEY}"


def test_catalog_entry_naming_an_unset_variable_says_what_to_set_and_sends_nothing(isolated, openai_server):
    catalog_entry(isolated, openai_server, 'api_key_var = "VLLM_TOKEN"\n')

    result = ask("vllm", "hello", store=False)

    assert result.status == "error" and "VLLM_TOKEN" in result.error
    assert openai_server.requests == []
    vllm = next(c for c in model_choices(load_catalog(), Config()) if c.id == "vllm")
    assert not vllm.configured and "VLLM_TOKEN" in vllm.hint


def test_a_base_url_set_in_a_session_is_never_sent_the_operators_key(openai_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    config = Config(session={"OPENAI_BASE_URL": openai_server.base_url})

    result = ask("gpt-4o-mini", "hello", config=config, store=False)
    checked = check_provider("openai", config)

    assert leaked(openai_server, ENV_KEY) == []
    assert result.status == "error" and "OPENAI_API_KEY" in result.error
    assert not checked.ok and "OPENAI_API_KEY" in checked.error
    assert not config.status("openai").configured and "this session" in config.status("openai").hint


@pytest.mark.parametrize("typed_key", ["", f"  {ENDPOINT_KEY}  "])
def test_settings_test_endpoint_sends_exactly_what_a_real_call_sends(openai_server, monkeypatch, typed_key):
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    at = settings_page()
    at.text_input(key="custom_name").input("loop")
    at.text_input(key="custom_base_url").input(openai_server.base_url)
    at.text_input(key="custom_api_key").input(typed_key)
    at.text_input(key="custom_model_names").input("gpt-4o-mini")
    at.button(key="custom_test").click().run()
    assert len(openai_server.requests) == 1  # the test reached the endpoint
    tested = openai_server.last.headers.get("authorization")
    at.button(key="custom_add").click().run()

    ask(at.session_state.custom_models[0], "hello", config=Config(), store=False)

    assert openai_server.last.headers.get("authorization") == tested
    assert leaked(openai_server, ENV_KEY) == []
    assert (ENDPOINT_KEY in tested) == bool(typed_key)


def test_a_visitor_giving_only_a_base_url_on_settings_never_receives_the_operators_key(openai_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    at = settings_page()
    at.selectbox(key="session_key_provider").set_value("openai")
    at.text_input(key="session_key_base_url").input(openai_server.base_url)
    at.button(key="session_key_submit").click().run()
    assert any("sent only a key set here" in w.value for w in at.warning)

    at.button(key="test_openai").click().run()

    errors = " ".join(e.value for e in at.get_by_key("provider_openai").error)
    assert "OPENAI_API_KEY" in errors and "this session" in errors
    assert leaked(openai_server, ENV_KEY) == []


# --- 6. a local server is ready only when it answers; errors name their provider ----------------------------


class _OllamaTags(BaseHTTPRequestHandler):
    """Ollama's /api/tags, listing the models the test installed."""

    installed: tuple[str, ...] = ()

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        body = json.dumps({"models": [{"name": n} for n in self.installed]}).encode()
        self.send_response(200 if self.path == "/api/tags" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def ollama(monkeypatch):
    """An Ollama server with only qwen2.5 installed, at OLLAMA_BASE_URL."""
    handler = type("Tags", (_OllamaTags,), {"installed": ("qwen2.5",)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("OLLAMA_BASE_URL", url)
    yield url
    server.shutdown()
    server.server_close()


DEAD_OLLAMA = "http://127.0.0.1:9"  # conftest's OLLAMA_BASE_URL: the discard port, where nothing answers


def test_ollama_without_a_server_is_not_running_at_its_url_everywhere(capsys):
    status = Config().status("ollama")
    assert not status.configured and DEAD_OLLAMA in status.hint and "OLLAMA_BASE_URL" in status.hint

    choice = next(c for c in model_choices(load_catalog(), Config()) if c.id == "ollama-llama3.2")
    assert not choice.configured and DEAD_OLLAMA in choice.hint

    assert main(["models"]) == 0
    line = next(row for row in capsys.readouterr().out.splitlines() if row.startswith("ollama-llama3.2"))
    assert "not running at" in line and DEAD_OLLAMA in line and "ready" not in line.replace("not ready", "")

    providers = {p["name"]: p for p in TestClient(create_app()).get("/config").json()["providers"]}
    assert not providers["ollama"]["configured"] and DEAD_OLLAMA in providers["ollama"]["hint"]


def test_settings_shows_ollama_not_running_at_its_url():
    at = settings_page()
    row = " | ".join(m.value for m in at.get_by_key("provider_ollama").markdown)
    badges = str(at.get_by_key("provider_ollama"))
    assert "Configured" not in badges.replace("Not configured", "")
    assert "not running at" in row and DEAD_OLLAMA in row


def test_ollama_that_answers_is_ready_for_its_installed_models_only(ollama, capsys):
    assert Config().status("ollama").configured

    catalog = catalog_with_local_models(Config())
    choices = {c.id: c for c in model_choices(catalog, Config())}
    assert choices["ollama:qwen2.5"].configured
    missing = choices["ollama-llama3.2"]
    assert not missing.configured and "ollama pull llama3.2" in missing.hint and ollama in missing.hint

    assert main(["models", "--json"]) == 0
    rows = {row["id"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows["ollama:qwen2.5"]["ready"] and not rows["ollama-llama3.2"]["ready"]


def test_openrouter_errors_name_openrouter_and_its_variable(openai_server, monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", ENDPOINT_KEY)
    monkeypatch.setenv("OPENROUTER_BASE_URL", openai_server.base_url)
    openai_server.script(Behaviour(status=401))

    result = ask("openrouter:some/model", "hello", store=False)
    checked = check_provider("openrouter", Config())

    for error in (result.error, checked.error):
        assert error.startswith("openrouter:") and "OPENROUTER_API_KEY" in error
        assert "OPENAI_API_KEY" not in error and "openai:" not in error


def test_ollama_errors_name_ollama_and_its_url_variable():
    result = ask("ollama:llama3.2", "hello", store=False)
    checked = check_provider("ollama", Config())

    for error in (result.error, checked.error):
        assert error.startswith("ollama:") and "OLLAMA_BASE_URL" in error and DEAD_OLLAMA in error
        assert "OPENAI_API_KEY" not in error and "openai:" not in error
