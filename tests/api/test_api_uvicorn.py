"""The HTTP API as deployed: `python -m uvicorn llm_core.api:app` in its own process, called over loopback HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from llm_core.store.csv_store import default_store
from tests.api_support import api_server
from tests.loopback import Behaviour

TOKEN = "uvicorn-token-0000aaaa1111"
SLOW_ECHO = """
[models.echo-slow]
label = "Echo · slow (offline demo)"
provider = "echo"
name = "echo-slow"
input_price = 0.0
output_price = 0.0
settings = { ttft_ms = 50, tokens_per_s = 20, style = "mirror" }
"""


@pytest.fixture
def server(isolated) -> Iterator[str]:
    """The API with a token and a slow echo model in its catalog."""
    catalog = isolated / "slow.toml"
    catalog.write_text(SLOW_ECHO)
    with api_server(isolated, {"SWITCHBOARD_API_TOKEN": TOKEN, "SWITCHBOARD_MODELS": str(catalog)}) as url:
        yield url


def authorised(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)


def test_generate_over_real_http_needs_the_token_and_logs_the_call(server):
    assert httpx.get(f"{server}/health").json()["status"] == "ok"
    assert httpx.post(f"{server}/generate?model=echo", json={"prompt": "hi"}).status_code == 401

    with authorised(server) as client:
        reply = client.post("/generate?model=echo", json={"prompt": "over the wire"})

    assert reply.status_code == 200 and "You said: over the wire" in reply.json()["response"]
    assert default_store().find_request(reply.json()["request_id"])["status"] == "ok"


def test_stream_arrives_piece_by_piece_over_real_http(isolated, openai_server):
    openai_server.script(Behaviour(reply="one two three four five six seven eight nine ten", tokens_per_s=10))
    env = {"SWITCHBOARD_API_TOKEN": TOKEN, "OPENAI_API_KEY": "sk-test-0000", "OPENAI_BASE_URL": openai_server.base_url}
    events: list[tuple[float, str]] = []  # wall clock, to line up with the loopback server's
    with (
        api_server(isolated, env) as url,
        authorised(url) as client,
        client.stream("POST", "/generate?model=openai:gpt-4o-mini&stream=true", json={"prompt": "count"}) as reply,
    ):
        assert reply.headers["content-type"].startswith("text/event-stream")
        for line in reply.iter_lines():
            if line.startswith("event: "):
                events.append((time.time(), line.removeprefix("event: ")))

    names = [name for _, name in events]
    assert names[0] == "start" and names[-1] == "result" and names.count("delta") == 10
    first_delta_at = next(at for at, name in events if name == "delta")
    # the text came as the model sent it, not in one buffered lump at the end
    assert first_delta_at < openai_server.last.last_token_at


def test_client_that_leaves_mid_stream_cancels_the_turn_and_it_is_logged(server):
    with (
        authorised(server) as client,
        client.stream("POST", "/generate?model=echo-slow&stream=true", json={"prompt": "a b c d e f"}) as reply,
    ):
        lines = reply.iter_lines()
        start = json.loads(next(line for line in lines if line.startswith("data: ")).removeprefix("data: "))
        deltas = 0
        for line in lines:
            deltas += line.startswith("event: delta")
            if deltas == 2:
                break  # leaving the block closes the connection mid-answer

    logged = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not logged:
        logged = default_store().find_request(start["request_id"])
        time.sleep(0.1)
    assert logged is not None, "the abandoned turn was never logged"
    assert logged["status"] == "cancelled"
    assert logged["response"].startswith("[offline demo")
    assert "fingerprint" not in logged["response"]  # cut short: the full reply ends with its fingerprint


def test_concurrent_generates_are_all_answered_and_logged(server):
    def generate(n: int) -> httpx.Response:
        with authorised(server) as client:
            return client.post("/generate?model=echo", json={"prompt": f"request {n}"})

    with ThreadPoolExecutor(max_workers=25) as pool:
        replies = list(pool.map(generate, range(25)))

    assert [r.status_code for r in replies] == [200] * 25
    logged = set(default_store().read_requests().frame["request_id"])
    assert {r.json()["request_id"] for r in replies} <= logged


def _only_logged_row(timeout_s: float = 10) -> dict:
    """The one row the server logs, once it has been written."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        frame = default_store().read_requests().frame
        if len(frame):
            return frame.iloc[-1].to_dict()
        time.sleep(0.1)
    raise AssertionError("the abandoned call was never logged")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/generate?model=echo-slow", {"prompt": "a b c d e f"}),
        ("/chat", {"model": "echo-slow", "prompt": "a b c d e f"}),
        ("/v1/chat/completions", {"model": "echo-slow", "messages": [{"role": "user", "content": "a b c d e f"}]}),
        ("/compare", {"models": ["echo-slow"], "prompt": "a b c d e f"}),
    ],
)
def test_a_client_that_leaves_a_call_without_streaming_cancels_it_and_it_is_logged(server, path, body):
    with authorised(server) as client, pytest.raises(httpx.ReadTimeout):
        client.post(path, json=body, timeout=0.5)  # the answer takes about 2 s; the client gives up first

    logged = _only_logged_row()
    assert logged["status"] == "cancelled"  # not run to the end and paid for: cut where the client left
    assert "fingerprint" not in str(logged["response"])  # the full reply ends with its fingerprint


def test_the_openai_sdk_streams_through_the_gateway_over_real_http(server):
    import openai

    client = openai.OpenAI(base_url=f"{server}/v1", api_key=TOKEN, max_retries=0)
    arrivals: list[tuple[float, object]] = []
    stream = client.chat.completions.create(
        model="echo-slow",
        messages=[{"role": "user", "content": "one two three"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    for chunk in stream:
        arrivals.append((time.monotonic(), chunk))

    text = "".join(c.choices[0].delta.content or "" for _, c in arrivals if c.choices)
    assert "You said: one two three" in text and arrivals[-1][1].usage.total_tokens > 0
    assert sum(bool(c.choices and c.choices[0].delta.content) for _, c in arrivals) > 5  # piece by piece
    request_id = arrivals[0][1].id.removeprefix("chatcmpl-")
    assert default_store().find_request(request_id)["session_id"] == "openai-gateway"
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{server}/v1", api_key="wrong", max_retries=0).models.list()


def test_a_client_that_leaves_a_gateway_stream_cancels_it_and_it_is_logged(server):
    body = {"model": "echo-slow", "stream": True, "messages": [{"role": "user", "content": "a b c d e f"}]}
    with authorised(server) as client, client.stream("POST", "/v1/chat/completions", json=body) as reply:
        for n, _ in enumerate(line for line in reply.iter_lines() if line.startswith("data: ")):
            if n == 2:
                break  # leaving the block closes the connection mid-answer

    logged = _only_logged_row()
    assert logged["status"] == "cancelled" and "fingerprint" not in str(logged["response"])


def test_head_health_answers_for_probes(server):
    reply = httpx.head(f"{server}/health")
    assert reply.status_code == 200 and reply.content == b""
