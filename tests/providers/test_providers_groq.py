"""Groq through its own SDK: Groq's paths, and usage found wherever Groq puts it."""

from __future__ import annotations

import pytest

from llm_core.options import Options
from llm_core.providers import Endpoint
from llm_core.providers.groq import GroqProvider
from tests.loopback import Behaviour

KEY = "gsk_loopbackKEY0123456789abc"
MESSAGES = [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "Name a colour."}]


@pytest.fixture(scope="module")
def groq(loopback_servers) -> GroqProvider:
    return GroqProvider(Endpoint(api_key=KEY, base_url=loopback_servers["openai"].url))


def test_the_request_goes_to_groqs_path_with_the_options_and_the_usage_flag(groq, openai_server):
    list(groq.stream("llama-test", MESSAGES, Options(temperature=0.5, max_tokens=40, top_p=0.8)))
    sent = openai_server.last
    assert sent.path == "/openai/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["messages"] == MESSAGES
    assert sent.body["stream_options"] == {"include_usage": True}
    assert (sent.body["temperature"], sent.body["max_completion_tokens"], sent.body["top_p"]) == (0.5, 40, 0.8)


def test_usage_reported_only_in_x_groq_is_carried(groq, openai_server):
    openai_server.script(Behaviour(reply="Blue, mostly", prompt_tokens=9, usage_chunk=False))
    chunks = list(groq.stream("llama-test", MESSAGES, Options()))
    finishing = [c for c in chunks if c.finish_reason]
    assert [(c.finish_reason, c.prompt_tokens, c.completion_tokens) for c in finishing] == [("stop", 9, 2)]


def test_an_answer_stopped_by_max_tokens_finishes_with_length(groq, openai_server):
    openai_server.script(Behaviour(reply="one two three four five"))
    chunks = list(groq.stream("llama-test", MESSAGES, Options(max_tokens=3)))
    assert "".join(c.text for c in chunks) == "one two three"
    assert [c.finish_reason for c in chunks if c.finish_reason] == ["length"]
