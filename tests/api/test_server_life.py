"""The API server's life: what it sets up as it starts, and what it leaves clean as it stops."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from llm_core.api.server import GC_THRESHOLDS, create_app
from llm_core.providers import _clients
from tests.loopback import Behaviour

KEY = "sk-proj-lifeTESTkey0000aaaa1111bbbb"


def test_the_server_tunes_the_collector_while_it_serves_and_puts_it_back():
    before = gc.get_threshold()
    with TestClient(create_app()) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_threshold() == GC_THRESHOLDS  # the startup's objects frozen, the young collected less often
    assert gc.get_threshold() == before


def test_stopping_the_server_closes_its_provider_connections(monkeypatch, openai_server):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    openai_server.script(Behaviour(reply="goodbye"))
    body = {"model": "openai:gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    earlier = {id(loop) for loop in _clients._async_clients}

    with TestClient(create_app()) as client:
        reply = client.post("/v1/chat/completions", json=body)
        assert reply.json()["choices"][0]["message"]["content"] == "goodbye"
        tables = [kept for loop, kept in _clients._async_clients.items() if id(loop) not in earlier]
        serving = [client for kept in tables for client in kept.values()]
        assert len(serving) == 1 and not serving[0].is_closed()

    assert serving[0].is_closed()  # its aiohttp session too: nothing complains of an unclosed session on the way out
