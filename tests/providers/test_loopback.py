"""The loopback servers stand in for remote models: their clocks must not depend on how busy this machine is."""

from __future__ import annotations

import time

import openai

from tests.loopback import Behaviour, LoopbackServer
from tests.loopback import server as loopback
from tests.loopback.openai_wire import OpenAIWire


def test_a_request_read_late_by_a_busy_server_starts_the_models_clock_when_it_arrived(monkeypatch):
    """On a machine the app and the browser keep busy, the server's thread may read a request late: the model's
    time to first token still counts from the request's arrival, as a remote model's would."""
    read_request = loopback._Handler.handle_one_request

    def read_late(handler) -> None:
        time.sleep(1.0)
        read_request(handler)

    monkeypatch.setattr(loopback._Handler, "handle_one_request", read_late)
    with LoopbackServer(OpenAIWire()) as server:
        server.script(Behaviour(reply="right on time", ttft_ms=2000))
        client = openai.OpenAI(api_key="sk-loopback", base_url=server.base_url, max_retries=0)
        sent_at = time.time()
        messages = [{"role": "user", "content": "Hi"}]
        stream = client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True)
        first_token_after = next(
            time.time() - sent_at for chunk in stream if chunk.choices and chunk.choices[0].delta.content
        )
        stream.close()
        client.close()

    # Wide margins, so a busy machine's jitter cannot fail it: read late, the clock would be 1 s off, the token late.
    assert server.last.arrived_at - sent_at < 0.8  # not the 1 s the server took to read it
    assert 2.0 <= first_token_after < 2.8
