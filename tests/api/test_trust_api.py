"""The HTTP API with input that is not clean Unicode, and under load: no answer is lost, /health stays quick."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from fastapi.testclient import TestClient

from llm_core.api.server import create_app
from llm_core.store.csv_store import default_store
from tests.api.test_api import sse_events
from tests.api_support import api_server
from tests.loopback import Behaviour

JSON = {"content-type": "application/json"}
SLOW_CALLS = 45  # more than the 40 threads Starlette's shared pool has
LONE = b"\\udfff"  # a JSON escape for a lone surrogate: valid JSON, but no UTF-8 can carry it


@pytest.fixture
def client() -> TestClient:
    """The API as uvicorn builds it; a server-side exception becomes the 500 a client would see."""
    return TestClient(create_app(), raise_server_exceptions=False)


def test_a_lone_surrogate_in_the_prompt_is_replaced_said_and_answered(client):
    reply = client.post("/generate?model=echo", content=b'{"prompt": "caf' + LONE + b' au lait"}', headers=JSON)

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == "ok" and "You said: caf\ufffd au lait" in body["response"]
    assert "U+FFFD" in body["input_notice"]
    logged = default_store().find_request(body["request_id"])
    assert logged["prompt"] == "caf\ufffd au lait" and logged["response"] == body["response"]


def test_a_lone_surrogate_in_a_streamed_request_is_replaced_said_and_streamed(client):
    with client.stream(
        "POST", "/generate?model=echo&stream=true", content=b'{"prompt": "x' + LONE + b'y"}', headers=JSON
    ) as reply:
        events = sse_events(reply.read().decode())

    assert reply.status_code == 200
    (start, start_data), (last, result) = events[0], events[-1]
    assert start == "start" and "U+FFFD" in start_data["input_notice"]
    assert last == "result" and result["status"] == "ok" and "x\ufffdy" in result["response"]
    assert "U+FFFD" in result["input_notice"]


def test_lone_surrogates_anywhere_in_a_chat_body_are_replaced_before_the_call(client):
    body = (
        b'{"prompt": "now' + LONE + b'", "model": "echo", "system": "be' + LONE + b'", '
        b'"history": [{"role": "user", "content": "before\\ud800"}, {"role": "assistant", "content": "ok"}]}'
    )
    reply = client.post("/chat", content=body, headers=JSON)

    assert reply.status_code == 200, reply.text
    assert "3 characters" in reply.json()["input_notice"]
    assert reply.json()["prompt"] == "now\ufffd" and "now\ufffd" in reply.json()["response"]


def test_a_compare_with_a_lone_surrogate_answers_every_model_and_says_so(client):
    body = b'{"prompt": "rivers' + LONE + b'", "models": ["echo", "echo-outline"]}'
    reply = client.post("/compare", content=body, headers=JSON)

    assert reply.status_code == 200, reply.text
    results = reply.json()["results"]
    assert [r["status"] for r in results] == ["ok", "ok"]
    assert all(r["prompt"] == "rivers\ufffd" and "U+FFFD" in r["input_notice"] for r in results)


def test_a_rating_comment_with_a_lone_surrogate_is_recorded_and_said(client):
    request_id = client.post("/generate?model=echo", json={"prompt": "rate me"}).json()["request_id"]
    body = b'{"request_id": "' + request_id.encode() + b'", "score": 4, "comment": "good' + LONE + b'"}'
    reply = client.post("/rate", content=body, headers=JSON)

    assert reply.status_code == 200, reply.text
    assert reply.json()["comment"] == "good\ufffd" and "U+FFFD" in reply.json()["input_notice"]


def test_clean_input_carries_no_notice(client):
    reply = client.post("/generate?model=echo", json={"prompt": "plain"})
    assert reply.status_code == 200 and reply.json()["input_notice"] == ""


def test_a_lone_surrogate_in_the_providers_answer_is_delivered_not_lost(client, monkeypatch, openai_server):
    openai_server.script(Behaviour(reply="odd \udfff answer"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-surrogate-0000")
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)

    plain = client.post("/generate?model=openai:m", json={"prompt": "hi"})
    with client.stream("POST", "/generate?model=openai:m&stream=true", json={"prompt": "hi"}) as streamed:
        events = sse_events(streamed.read().decode())

    assert plain.status_code == 200, plain.text
    assert json.loads(plain.text)["response"] == "odd \udfff answer"  # escaped as JSON allows, so recoverable
    assert events[-1][0] == "result" and events[-1][1]["response"] == "odd \udfff answer"


async def health_while_busy(url: str, server) -> tuple[httpx.Response, bool, list[httpx.Response]]:
    """/health asked once the server has 40 slow calls at the provider; (its reply, whether any call had finished
    by then, every call's reply)."""
    limits = httpx.Limits(max_connections=SLOW_CALLS + 1)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        calls = [
            asyncio.create_task(client.post("/generate?model=openai:slow", json={"prompt": f"call {n}"}))
            for n in range(SLOW_CALLS)
        ]
        while len(server.requests) < 40:  # every thread of the shared pool is now held by a model call
            await asyncio.sleep(0.02)
        health = await client.get("/health")
        finished_first = any(r.done.is_set() for r in server.requests)
        return health, finished_first, await asyncio.gather(*calls)


def test_health_answers_before_any_slow_call_finishes_however_many_are_in_flight(isolated, openai_server):
    openai_server.script(Behaviour(reply="slow answer", ttft_ms=3000))
    env = {"OPENAI_API_KEY": "sk-test-busy-0000", "OPENAI_BASE_URL": openai_server.base_url}

    with api_server(isolated, env) as url:
        health, finished_first, replies = asyncio.run(health_while_busy(url, openai_server))

    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert not finished_first, "/health waited for a model call to finish"
    assert [r.status_code for r in replies] == [200] * SLOW_CALLS


def test_a_body_that_is_not_utf8_is_a_400_saying_to_send_utf8(client):
    reply = client.post("/generate?model=echo", content=b'{"prompt": "caf\xe9"}', headers=JSON)

    assert reply.status_code == 400
    assert "not valid UTF-8" in reply.json()["detail"] and "byte 15" in reply.json()["detail"]
    assert not default_store().requests_path.exists()  # refused before any model was asked
