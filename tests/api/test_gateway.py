"""The OpenAI-compatible gateway, driven by the official `openai` SDK, with the providers on the loopback servers."""

from __future__ import annotations

import asyncio
import threading

import httpx
import openai
import pytest
from fastapi.testclient import TestClient

from llm_core.api.server import create_app
from llm_core.api.settings import ApiSettings
from llm_core.store.csv_store import default_store
from tests.catalogs import write_catalog
from tests.loopback import Behaviour

KEY = "sk-proj-gatewayTESTkey0000aaaa1111bbbb"
TOKEN = "gateway-token-0000dddd4444"
HELLO = [{"role": "user", "content": "Say hello"}]


def sdk(settings: ApiSettings | None = None, api_key: str = "unused") -> openai.OpenAI:
    """The openai SDK pointed at the app, as a user points it at `http://localhost:8000/v1`."""
    app_client = TestClient(create_app(settings))
    return openai.OpenAI(base_url="http://testserver/v1", api_key=api_key, http_client=app_client, max_retries=0)


@pytest.fixture
def client() -> openai.OpenAI:
    return sdk()


@pytest.fixture
def openai_behind(monkeypatch, openai_server):
    """OpenAI configured with a key, its calls going to the loopback server."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("SWITCHBOARD_MAX_ATTEMPTS", "1")  # a scripted failure fails at once
    return openai_server


# --- answers ------------------------------------------------------------------------------------------------


def test_a_completion_comes_back_with_usage_and_the_request_id_to_rate_it(client, openai_behind):
    openai_behind.script(Behaviour(reply="Hello from behind the gateway", prompt_tokens=7))

    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": "Be brief."}, *HELLO],
        temperature=0.3,
        max_completion_tokens=50,
    )
    completion = raw.parse()

    assert completion.choices[0].message.content == "Hello from behind the gateway"
    assert completion.choices[0].finish_reason == "stop" and completion.model == "gpt-4o-mini"
    assert completion.usage.prompt_tokens == 7 and completion.usage.total_tokens == 7 + 5
    request_id = raw.headers["x-switchboard-request-id"]
    assert completion.id == f"chatcmpl-{request_id}"
    sent = openai_behind.last.body
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent["temperature"] == 0.3 and sent["max_tokens"] == 50
    logged = default_store().find_request(request_id)
    assert logged["status"] == "ok" and logged["session_id"] == "openai-gateway"
    assert logged["response"] == "Hello from behind the gateway" and logged["temperature"] == 0.3


def test_a_stream_arrives_in_chunks_ending_with_the_usage_chunk(client, openai_behind):
    openai_behind.script(Behaviour(reply="one two three four"))

    chunks = list(
        client.chat.completions.create(
            model="gpt-4o-mini", messages=HELLO, stream=True, stream_options={"include_usage": True}
        )
    )

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "one two three four"
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 4
    logged = default_store().find_request(chunks[0].id.removeprefix("chatcmpl-"))
    assert logged["status"] == "ok" and logged["response"] == text and logged["session_id"] == "openai-gateway"


def test_a_stream_without_include_usage_has_no_usage_chunk(client):
    chunks = list(client.chat.completions.create(model="echo", messages=HELLO, stream=True))
    assert all(c.choices for c in chunks) and all(c.usage is None for c in chunks)


def test_auto_routes_like_chat_and_an_alias_answers_as_its_model(client, openai_behind):
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=HELLO)
    assert raw.parse().model == "gpt-4o-mini"
    assert default_store().find_request(raw.headers["x-switchboard-request-id"])["requested_model"] == "auto"
    assert client.chat.completions.create(model="openai:gpt-4o-mini", messages=HELLO).choices[0].message.content


def test_a_conversation_reaches_the_model_in_order(client, openai_behind):
    messages = [
        {"role": "developer", "content": "You are terse."},
        {"role": "user", "content": [{"type": "text", "text": "first"}]},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "second"},
    ]
    client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    assert [(m["role"], m["content"]) for m in openai_behind.last.body["messages"]] == [
        ("system", "You are terse."),
        ("user", "first"),
        ("assistant", "ok"),
        ("user", "second"),
    ]


def test_max_tokens_cuts_the_answer_and_says_length(client):
    completion = client.chat.completions.create(model="echo", messages=HELLO, max_tokens=3)
    assert completion.choices[0].finish_reason == "length"
    assert len(completion.choices[0].message.content.split()) == 3


def test_models_lists_every_catalog_id(client):
    ids = [m.id for m in client.models.list()]
    assert "echo" in ids and "gpt-4o-mini" in ids and "claude-sonnet-4.5" in ids


# --- refusals -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}, "tools"),
        ({"n": 2}, "n"),
        ({"logprobs": True}, "logprobs"),
        ({"response_format": {"type": "json_object"}}, "response_format"),
    ],
)
def test_an_unsupported_parameter_is_a_400_naming_it(client, extra, param):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="echo", messages=HELLO, **extra)
    assert caught.value.status_code == 400 and caught.value.param == param
    assert f"`{param}" in caught.value.message
    assert default_store().read_requests().frame.empty  # nothing was asked


def test_harmless_defaults_that_libraries_send_are_accepted(client):
    completion = client.chat.completions.create(model="echo", messages=HELLO, n=1, presence_penalty=0, user="me")
    assert completion.choices[0].message.content


def test_an_out_of_range_option_is_a_400_naming_it(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="echo", messages=HELLO, temperature=7)
    assert caught.value.param == "temperature" and "temperature" in caught.value.message


def test_a_conversation_not_ending_with_the_user_is_refused(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="echo", messages=[*HELLO, {"role": "assistant", "content": "Hi"}])
    assert "last message must have role `user`" in caught.value.message


def test_a_tool_message_is_refused_by_name(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="echo", messages=[{"role": "tool", "content": "x", "tool_call_id": "1"}])
    assert caught.value.param == "messages[0].tool_call_id"


def test_an_unknown_model_is_a_404_listing_the_valid_ids(client):
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-17", messages=HELLO)
    assert caught.value.code == "model_not_found" and "echo" in caught.value.message


def test_a_wrong_token_is_a_401_in_openais_shape():
    with pytest.raises(openai.AuthenticationError) as caught:
        sdk(ApiSettings(token=TOKEN), api_key="a-wrong-token").chat.completions.create(model="echo", messages=HELLO)
    assert caught.value.body["type"] == "authentication_error" and TOKEN not in caught.value.message
    ok = sdk(ApiSettings(token=TOKEN), api_key=TOKEN).chat.completions.create(model="echo", messages=HELLO)
    assert ok.choices[0].message.content


def test_a_model_that_is_not_configured_is_a_503(client):
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="claude-sonnet-4.5", messages=HELLO)
    assert caught.value.status_code == 503 and "ANTHROPIC_API_KEY" in caught.value.message


# --- provider failures --------------------------------------------------------------------------------------


def test_a_provider_failure_is_a_502_with_the_key_redacted(client, openai_behind):
    openai_behind.script(Behaviour(status=500, error_body={"error": {"message": f"upstream broke using {KEY}"}}))
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    assert caught.value.status_code == 502 and KEY not in caught.value.message
    request_id = caught.value.response.headers["x-switchboard-request-id"]
    assert default_store().find_request(request_id)["status"] == "error"


def test_a_rate_limit_is_a_429_passing_on_retry_after(client, openai_behind, monkeypatch):
    monkeypatch.delenv("SWITCHBOARD_MAX_ATTEMPTS")  # a wait this long is never retried: the engine says so
    openai_behind.script(Behaviour(status=429, retry_after=120))
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    assert caught.value.status_code == 429 and caught.value.response.headers["retry-after"] == "120"
    assert caught.value.body["type"] == "rate_limit_exceeded" and len(openai_behind.requests) == 1


@pytest.mark.parametrize("stream", [False, True])
def test_a_rate_limit_still_there_after_the_retries_passes_on_its_retry_after(
    client, openai_behind, monkeypatch, stream
):
    """A short wait is retried first; when the provider still says 429, the client is told how long it asked for."""
    monkeypatch.setenv("SWITCHBOARD_MAX_ATTEMPTS", "2")
    openai_behind.script(Behaviour(status=429, retry_after=1))
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=stream)
    assert caught.value.status_code == 429 and caught.value.response.headers["retry-after"] == "1"
    assert len(openai_behind.requests) == 2


def test_a_stream_cut_mid_answer_raises_in_the_client_and_is_logged_incomplete(client, openai_behind):
    openai_behind.script(Behaviour(reply="one two three four five", cut_after_tokens=2))
    texts = []
    with pytest.raises(openai.APIError, match="cut|ended"):
        for chunk in client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True):
            texts.append(chunk.choices[0].delta.content or "")
    assert "".join(texts) == "one two"
    assert default_store().read_requests().frame["status"].tolist() == ["incomplete"]


def test_a_body_that_is_not_json_is_a_400_in_openais_shape():
    reply = TestClient(create_app()).post(
        "/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert reply.status_code == 400 and "not JSON" in reply.json()["error"]["message"]


def test_curl_from_openais_docs_works_unchanged():
    """The body OpenAI's API reference shows for `curl .../v1/chat/completions`, with only the model changed."""
    body = {
        "model": "echo",
        "messages": [
            {"role": "developer", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Hello!"},
        ],
    }
    reply = TestClient(create_app()).post(
        "/v1/chat/completions", json=body, headers={"Authorization": "Bearer $OPENAI_API_KEY"}
    )
    assert reply.status_code == 200 and reply.json()["object"] == "chat.completion"
    assert isinstance(httpx.Response(200, json=reply.json()).json()["choices"][0]["message"]["content"], str)


def test_a_failing_model_falls_back_along_its_chain_like_chat(client, openai_behind, monkeypatch, tmp_path):
    catalog = {"primary": {"label": "Primary", "provider": "openai", "name": "gpt-4o-mini", "fallbacks": ["echo"]}}
    monkeypatch.setenv("SWITCHBOARD_MODELS", str(write_catalog(tmp_path / "models.toml", catalog)))
    openai_behind.script(Behaviour(status=500))

    raw = client.chat.completions.with_raw_response.create(model="primary", messages=HELLO)

    assert raw.parse().model == "echo" and "You said: Say hello" in raw.parse().choices[0].message.content
    logged = default_store().find_request(raw.headers["x-switchboard-request-id"])
    assert logged["fallback_for"] == "primary" and logged["requested_model"] == "primary"


def test_a_body_over_the_limit_is_a_413_in_openais_shape():
    app = TestClient(create_app(ApiSettings(max_body_bytes=100)))
    body = {"model": "echo", "messages": [{"role": "user", "content": "x" * 200}]}
    reply = app.post("/v1/chat/completions", json=body)
    assert reply.status_code == 413 and "SWITCHBOARD_MAX_BODY_BYTES" in reply.json()["error"]["message"]


def test_an_openai_route_switchboard_lacks_is_a_404_in_openais_shape(client):
    with pytest.raises(openai.NotFoundError) as caught:
        client.embeddings.create(model="echo", input="hello")
    assert caught.value.body["type"] == "invalid_request_error"


def test_a_stream_that_fails_before_any_text_is_an_error_the_sdk_raises(client, openai_behind):
    openai_behind.script(Behaviour(status=500))
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True)
    assert caught.value.status_code == 502 and caught.value.body["type"] == "api_error"


def test_usage_carries_the_cached_and_reasoning_tokens_the_provider_reported(client, openai_behind):
    openai_behind.script(Behaviour(reply="thought it over", prompt_tokens=40, cached_tokens=32, thinking_tokens=9))
    usage = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO).usage
    assert usage.prompt_tokens_details.cached_tokens == 32
    assert usage.completion_tokens_details.reasoning_tokens == 9


def test_usage_leaves_out_details_nobody_reported(client):
    usage = client.chat.completions.create(model="echo", messages=HELLO).usage
    assert usage.prompt_tokens_details is None and usage.completion_tokens_details is None


# --- many at once ---------------------------------------------------------------------------------------------


def test_many_streams_in_flight_hold_no_thread_each(tmp_path, monkeypatch):
    """Each gateway call runs on the event loop: 60 streams waiting on their model add a handful of threads (a
    few to get calls ready, a few to write their rows), not 60."""
    catalog = write_catalog(
        tmp_path / "slow.toml",
        {"echo-wait": {"label": "Echo · waits", "provider": "echo", "name": "echo-wait", "input_price": 0.0,
                       "output_price": 0.0, "settings": {"ttft_ms": 800, "tokens_per_s": 200}}},
    )  # fmt: skip
    monkeypatch.setenv("SWITCHBOARD_MODELS", str(catalog))
    app = create_app(ApiSettings())
    body = {"model": "echo-wait", "stream": True, "messages": HELLO}

    async def crowd() -> tuple[list[httpx.Response], int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            calls = [asyncio.ensure_future(http.post("/v1/chat/completions", json=body)) for _ in range(60)]
            await asyncio.sleep(0.5)  # every call is in flight, waiting for its first token
            threads = threading.active_count()
            return await asyncio.gather(*calls), threads

    before = threading.active_count()
    replies, during = asyncio.run(crowd())
    assert [reply.status_code for reply in replies] == [200] * 60
    assert all(reply.text.rstrip().endswith("data: [DONE]") for reply in replies)
    assert during - before < 15
    assert len(default_store().read_requests().frame) == 60


def test_a_provider_that_does_not_answer_in_time_is_a_504_in_openais_shape(client, openai_behind, monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_READ_TIMEOUT_S", "0.2")
    openai_behind.script(Behaviour(reply="too late", ttft_ms=1500))
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    assert caught.value.status_code == 504
    assert "timed out" in caught.value.body["message"] and caught.value.body["type"] == "api_error"
