"""The HTTP API through FastAPI's TestClient: answers, streams, fallbacks, ratings, and every way a request fails."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from llm_core.api.server import create_app
from llm_core.api.settings import ApiConfigError
from llm_core.store.csv_store import default_store
from tests.loopback import Behaviour

KEY = "sk-proj-apiTESTkey0000aaaa1111bbbb2222"
TOKEN = "switchboard-token-0000cccc3333"


@pytest.fixture
def client() -> TestClient:
    """The API as `uvicorn llm_core.api:app` builds it, from this test's environment."""
    return TestClient(create_app())


@pytest.fixture
def openai_via_loopback(monkeypatch, openai_server):
    """OpenAI configured with a key, its calls going to the loopback server."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    return openai_server


def sse_events(body: str) -> list[tuple[str, dict]]:
    """(event, data) pairs of a text/event-stream body; every data line is one JSON object."""
    events = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


# --- answers ------------------------------------------------------------------------------------------------


def test_generate_returns_the_answer_measured_and_logged(client):
    reply = client.post("/generate?model=echo", json={"prompt": "hello switchboard"})

    assert reply.status_code == 200
    body = reply.json()
    assert body["status"] == "ok" and body["model"] == "echo" and body["provider"] == "echo"
    assert "You said: hello switchboard" in body["response"]
    assert body["prompt"] == "hello switchboard"
    assert body["token_count"] == body["prompt_tokens"] + body["completion_tokens"] > 0
    assert 0 < body["ttft_ms"] <= body["latency_ms"]
    assert body["cost_usd"] == 0.0
    logged = default_store().find_request(body["request_id"])
    assert logged["status"] == "ok" and logged["response"] == body["response"] and logged["session_id"] == "api"


def test_generate_applies_the_template_system_prompt_and_options(client):
    reply = client.post(
        "/generate?model=echo",
        json={"prompt": "a long text", "template": "summarize", "options": {"max_tokens": 3}},
    )
    body = reply.json()
    assert reply.status_code == 200
    assert body["prompt"].startswith("Summarise the following in exactly three bullet points")
    assert body["template"] == "summarize"
    assert body["finish_reason"] == "length" and len(body["response"].split()) == 3


def test_auto_answers_with_the_demo_model_when_nothing_is_configured(client):
    body = client.post("/generate?model=auto", json={"prompt": "route me"}).json()
    assert body["status"] == "ok" and body["requested_model"] == "auto" and body["model"] == "echo"


def test_auto_routes_to_the_best_configured_model(client, openai_via_loopback):
    openai_via_loopback.script(Behaviour(reply="Hello from the loopback"))
    body = client.post("/generate", json={"prompt": "route me"}).json()

    assert body["requested_model"] == "auto" and body["model"] == "gpt-4o-mini"
    assert body["response"] == "Hello from the loopback" and body["token_source"] == "provider"
    assert body["cost_usd"] > 0
    assert openai_via_loopback.last.headers["authorization"] == f"Bearer {KEY}"


def test_chat_uses_history_and_falls_back_to_the_next_model(client):
    reply = client.post(
        "/chat",
        json={
            "prompt": "and now?",
            "model": "gpt-4o-mini",
            "fallbacks": ["echo"],
            "history": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
        },
    )
    body = reply.json()
    assert reply.status_code == 200
    assert body["model"] == "echo" and body["requested_model"] == "gpt-4o-mini"
    assert "turn 2" in body["response"]  # the history reached the model
    assert "OPENAI_API_KEY" in body["fallback_errors"][0]


def test_chat_follows_the_catalogs_fallback_chain(client, monkeypatch, openai_server):
    monkeypatch.setenv("GROQ_API_KEY", "gsk_groqTESTkey0000dddd4444")
    monkeypatch.setenv("GROQ_BASE_URL", openai_server.url)  # the loopback also answers Groq's /openai/v1 paths
    body = client.post("/chat", json={"prompt": "hi", "model": "gpt-4o-mini"}).json()
    assert body["status"] == "ok" and body["model"] == "llama-3.1-8b"  # gpt-4o-mini's catalog fallback


def test_chat_reports_the_models_own_failure_when_its_fallback_is_not_configured(client, openai_via_loopback):
    openai_via_loopback.script(Behaviour(status=500))  # gpt-4o-mini fails; its fallback (Groq) has no key here

    reply = client.post("/chat", json={"prompt": "hi", "model": "gpt-4o-mini"})

    body = reply.json()
    assert reply.status_code == 502  # the provider's failure, not 503 "not configured" from the fallback
    assert (body["status"], body["model"]) == ("error", "gpt-4o-mini")
    assert body["detail"].index("server had an error") < body["detail"].index("GROQ_API_KEY")  # the fallback's too


def test_compare_asks_every_model_at_once_and_logs_them_together(client):
    reply = client.post("/compare", json={"prompt": "same question", "models": ["echo", "echo-outline"]})

    body = reply.json()
    assert reply.status_code == 200
    assert [r["model"] for r in body["results"]] == ["echo", "echo-outline"]
    assert all(r["status"] == "ok" for r in body["results"])
    latencies = [r["latency_ms"] for r in body["results"]]
    assert body["wall_ms"] < sum(latencies)  # concurrent, not one after the other
    logged = default_store().read_requests().frame
    assert set(logged.loc[logged["comparison_id"] == body["comparison_id"], "model"]) == {"echo", "echo-outline"}


def test_rating_is_recorded_against_the_request(client):
    request_id = client.post("/generate?model=echo", json={"prompt": "rate me"}).json()["request_id"]

    reply = client.post("/rate", json={"request_id": request_id, "score": 4, "comment": "clear"})

    assert reply.status_code == 200 and reply.json()["recorded"] is True
    logged = default_store().find_request(request_id)
    assert logged["stars"] == 4 and logged["rating_comment"] == "clear"


# --- streaming ----------------------------------------------------------------------------------------------


def test_stream_sends_start_then_deltas_then_the_result(client):
    with client.stream("POST", "/generate?model=echo&stream=true", json={"prompt": "stream this"}) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("text/event-stream")
        events = sse_events(reply.read().decode())

    names = [name for name, _ in events]
    assert names[0] == "start" and names[-1] == "result" and set(names[1:-1]) == {"delta"} and len(names) > 4
    result = events[-1][1]
    assert "".join(data["text"] for name, data in events if name == "delta") == result["response"]
    assert result["status"] == "ok" and events[0][1]["request_id"] == result["request_id"]
    assert default_store().find_request(result["request_id"])["status"] == "ok"


def test_stream_that_fails_before_any_text_is_a_plain_json_error(client):
    reply = client.post("/generate?model=gpt-4o-mini&stream=true", json={"prompt": "hi"})
    assert reply.status_code == 503
    assert reply.headers["content-type"] == "application/json"
    assert "OPENAI_API_KEY" in reply.json()["detail"]


def test_chat_streams_too(client):
    with client.stream("POST", "/chat?stream=true", json={"prompt": "hi", "model": "echo"}) as reply:
        events = sse_events(reply.read().decode())
    assert events[-1][0] == "result" and events[-1][1]["status"] == "ok"


# --- bad input ----------------------------------------------------------------------------------------------


def test_unknown_model_is_400_listing_the_valid_ids(client):
    reply = client.post("/generate?model=gpt-9", json={"prompt": "hi"})
    assert reply.status_code == 400
    assert "unknown model 'gpt-9'" in reply.json()["detail"]
    assert "echo" in reply.json()["detail"] and "gpt-4o-mini" in reply.json()["detail"]
    assert not default_store().requests_path.exists()  # refused before any call


@pytest.mark.parametrize("prompt", ["", "   \n"])
def test_empty_prompt_is_400(client, prompt):
    reply = client.post("/generate?model=echo", json={"prompt": prompt})
    assert reply.status_code == 400 and "prompt is empty" in reply.json()["detail"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"prompt": "hi", "temprature": 1}, "body.temprature: Extra inputs are not permitted"),
        ({}, "body.prompt: Field required"),
        ({"prompt": 3}, "body.prompt: Input should be a valid string"),
    ],
)
def test_malformed_body_is_422_saying_which_field(client, body, expected):
    reply = client.post("/generate?model=echo", json=body)
    assert reply.status_code == 422 and expected in reply.json()["detail"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [({"temp": 1}, "known options: temperature, max_tokens, top_p"), ({"temperature": 7}, "temperature")],
)
def test_bad_options_are_400_with_the_reason(client, options, expected):
    reply = client.post("/generate?model=echo", json={"prompt": "hi", "options": options})
    assert reply.status_code == 400 and expected in reply.json()["detail"]


def test_unknown_template_is_400_listing_the_known_ones(client):
    reply = client.post("/generate?model=echo", json={"prompt": "hi", "template": "haiku"})
    assert reply.status_code == 400 and "summarize" in reply.json()["detail"]


def test_oversized_body_is_413_naming_the_setting(monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_MAX_BODY_BYTES", "1000")
    client = TestClient(create_app())
    big = {"prompt": "x" * 2000}

    declared = client.post("/generate?model=echo", json=big)
    chunked = client.post(
        "/generate?model=echo", content=iter([json.dumps(big).encode()]), headers={"content-type": "application/json"}
    )

    for reply in (declared, chunked):
        assert reply.status_code == 413 and "SWITCHBOARD_MAX_BODY_BYTES" in reply.json()["detail"]
    assert client.post("/generate?model=echo", json={"prompt": "x" * 100}).status_code == 200


@pytest.mark.parametrize("score", [0, 6, "five"])
def test_score_outside_one_to_five_is_422(client, score):
    reply = client.post("/rate", json={"request_id": "abc", "score": score})
    assert reply.status_code == 422 and "body.score" in reply.json()["detail"]


def test_rating_an_unknown_request_is_404(client):
    client.post("/generate?model=echo", json={"prompt": "a logged request"})
    reply = client.post("/rate", json={"request_id": "feedfacefeedface", "score": 5})
    assert reply.status_code == 404 and "feedfacefeedface" in reply.json()["detail"]
    assert not default_store().ratings_path.exists()


def test_compare_with_an_unknown_model_is_400_before_any_call(client):
    reply = client.post("/compare", json={"prompt": "hi", "models": ["echo", "nope"]})
    assert reply.status_code == 400 and "unknown model 'nope'" in reply.json()["detail"]
    assert not default_store().requests_path.exists()


# --- provider failures --------------------------------------------------------------------------------------


def test_rejected_key_is_502_with_the_providers_message_and_the_key_redacted(client, openai_via_loopback):
    openai_via_loopback.script(Behaviour(status=401))
    reply = client.post("/generate?model=gpt-4.1", json={"prompt": "hi"})  # no fallbacks: its own failure

    assert reply.status_code == 502
    assert "Incorrect API key" in reply.json()["detail"]
    assert KEY not in reply.text and KEY not in default_store().requests_path.read_text()
    assert reply.json()["status"] == "error" and reply.json()["request_id"]


def test_provider_timeout_is_504(client, monkeypatch, openai_via_loopback):
    monkeypatch.setenv("SWITCHBOARD_READ_TIMEOUT_S", "0.3")
    monkeypatch.setenv("SWITCHBOARD_MAX_ATTEMPTS", "1")
    openai_via_loopback.script(Behaviour(ttft_ms=3000))
    reply = client.post("/generate?model=gpt-4.1", json={"prompt": "hi"})
    assert reply.status_code == 504 and reply.json()["status"] == "error"


def test_unconfigured_provider_is_503_naming_the_variable(client):
    reply = client.post("/generate?model=claude-haiku-4.5", json={"prompt": "hi"})
    assert reply.status_code == 503 and "ANTHROPIC_API_KEY" in reply.json()["detail"]


def test_compare_where_every_model_fails_is_not_200(client):
    reply = client.post("/compare", json={"prompt": "hi", "models": ["gpt-4.1", "claude-haiku-4.5"]})
    assert reply.status_code == 503 and len(reply.json()["results"]) == 2


# --- information, token, CORS -------------------------------------------------------------------------------


def test_config_models_and_provider_checks_describe_the_server_without_secrets(client, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    config = client.get("/config")
    models = client.get("/models").json()

    assert config.status_code == 200
    providers = {p["name"]: p for p in config.json()["providers"]}
    assert providers["openai"]["configured"] and providers["openai"]["key_source"] == "environment"
    assert not providers["gemini"]["configured"] and "GEMINI_API_KEY" in providers["gemini"]["hint"]
    assert KEY not in config.text and KEY[-4:] not in config.text
    assert {t["name"] for t in config.json()["templates"]} >= {"plain", "summarize"}
    mini = next(m for m in models if m["id"] == "gpt-4o-mini")
    assert (mini["input_price"], mini["context_window"], mini["fallbacks"]) == (0.15, 128_000, ["llama-3.1-8b"])
    assert client.get("/providers/echo/check").json()["models"] == ["echo"]
    assert client.get("/providers/nope/check").status_code == 404


def test_token_guards_every_route_but_health(monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_API_TOKEN", TOKEN)
    client = TestClient(create_app())
    good = {"Authorization": f"Bearer {TOKEN}"}

    assert client.get("/health").status_code == 200
    for method, path, body in [
        ("GET", "/config", None),
        ("GET", "/models", None),
        ("POST", "/generate?model=echo", {"prompt": "hi"}),
        ("POST", "/chat", {"prompt": "hi", "model": "echo"}),
        ("POST", "/compare", {"prompt": "hi", "models": ["echo"]}),
        ("POST", "/rate", {"request_id": "x", "score": 3}),
        ("GET", "/providers/echo/check", None),
        ("GET", "/docs", None),
        ("GET", "/openapi.json", None),
    ]:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            refused = client.request(method, path, json=body, headers=headers)
            assert refused.status_code == 401, (path, headers)
            assert refused.headers["www-authenticate"] == "Bearer"
    assert client.get("/models", headers=good).status_code == 200
    assert client.post("/generate?model=echo", json={"prompt": "hi"}, headers=good).status_code == 200
    config = client.get("/config", headers=good)
    assert config.json()["api"]["auth_required"] is True and TOKEN not in config.text


def test_cors_is_closed_by_default_and_opens_to_configured_origins(monkeypatch):
    preflight = {"Origin": "https://notebook.example", "Access-Control-Request-Method": "POST"}
    closed = TestClient(create_app()).options("/generate", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers

    monkeypatch.setenv("SWITCHBOARD_CORS_ORIGINS", "https://notebook.example, https://other.example")
    client = TestClient(create_app())
    allowed = client.options("/generate", headers=preflight)
    assert allowed.headers["access-control-allow-origin"] == "https://notebook.example"
    stranger = client.options("/generate", headers={**preflight, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in stranger.headers


def test_bad_body_limit_setting_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_MAX_BODY_BYTES", "lots")
    with pytest.raises(ApiConfigError, match="SWITCHBOARD_MAX_BODY_BYTES='lots' is not a whole number"):
        create_app()
    monkeypatch.setenv("SWITCHBOARD_MAX_BODY_BYTES", "0")
    with pytest.raises(ApiConfigError, match="SWITCHBOARD_MAX_BODY_BYTES='0' must be at least 1: set it to e.g."):
        create_app()


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/generate", "/chat", "/compare", "/rate", "/health", "/config", "/models"} <= set(paths)


def test_with_a_token_the_docs_are_served_to_those_who_send_it(monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_API_TOKEN", TOKEN)
    client = TestClient(create_app())
    good = {"Authorization": f"Bearer {TOKEN}"}
    assert "/generate" in client.get("/openapi.json", headers=good).json()["paths"]
    assert "swagger" in client.get("/docs", headers=good).text.lower()
