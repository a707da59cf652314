"""OpenAI, and any OpenAI-compatible base URL: what the SDK puts on the wire, and how retry hints are read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from llm_core.errors import ProviderError
from llm_core.options import Options
from llm_core.providers import PROVIDERS, Endpoint
from llm_core.providers.openai import OpenAIProvider, chat_chunks
from tests.loopback import Behaviour

KEY = "sk-proj-loopbackKEY0123456789"
MESSAGES = [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "Name a colour."}]


@pytest.fixture(scope="module")
def openai(loopback_servers) -> OpenAIProvider:
    return OpenAIProvider(Endpoint(api_key=KEY, base_url=loopback_servers["openai"].base_url))


def test_the_request_carries_the_options_and_asks_for_usage(openai, openai_server):
    chunks = list(openai.stream("gpt-test", MESSAGES, Options(temperature=0.2, max_tokens=50, top_p=0.9)))
    sent = openai_server.last
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["messages"] == MESSAGES
    assert sent.body["stream"] is True
    assert sent.body["stream_options"] == {"include_usage": True}
    assert (sent.body["temperature"], sent.body["max_tokens"], sent.body["top_p"]) == (0.2, 50, 0.9)
    assert "".join(c.text for c in chunks) == "Hello world"


def test_unset_options_are_left_to_the_model(openai, openai_server):
    list(openai.stream("gpt-test", MESSAGES, Options()))
    assert not {"temperature", "max_tokens", "max_completion_tokens", "top_p"} & set(openai_server.last.body)


def test_an_answer_stopped_by_max_tokens_finishes_with_length(openai, openai_server):
    openai_server.script(Behaviour(reply="one two three four five"))
    chunks = list(openai.stream("gpt-test", MESSAGES, Options(max_tokens=2)))
    assert "".join(c.text for c in chunks) == "one two"
    assert [c.finish_reason for c in chunks if c.finish_reason] == ["length"]


def test_a_retry_after_given_as_an_http_date_is_read_as_seconds(openai, openai_server):
    in_thirty_seconds = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    openai_server.script(Behaviour(status=429, retry_after=in_thirty_seconds))
    with pytest.raises(ProviderError) as raised:
        list(openai.stream("gpt-test", MESSAGES, Options()))
    assert 25 <= raised.value.retry_after <= 30


def test_retry_after_ms_is_the_more_precise_hint(openai, openai_server):
    openai_server.script(Behaviour(status=429, retry_after=9, retry_after_ms=1500))
    with pytest.raises(ProviderError) as raised:
        list(openai.stream("gpt-test", MESSAGES, Options()))
    assert raised.value.retry_after == 1.5


def test_any_compatible_base_url_is_served_by_the_same_provider(openai_server):
    assert PROVIDERS["openrouter"].impl is OpenAIProvider and PROVIDERS["ollama"].impl is OpenAIProvider
    router_like = OpenAIProvider(
        Endpoint(api_key="sk-or-v1-loopback0123456789", base_url=openai_server.url + "/api/v1")
    )
    chunks = list(router_like.stream("vendor/model", MESSAGES, Options(max_tokens=20)))
    assert "".join(c.text for c in chunks) == "Hello world"
    assert openai_server.last.path == "/api/v1/chat/completions"
    assert openai_server.last.body["max_tokens"] == 20  # compatible servers all understand max_tokens


def test_chunks_with_missing_or_null_parts_are_read_without_failing():
    """Compatible servers send nulls where OpenAI sends objects: a null part is no text or no usage, never a crash."""
    events = [
        {"choices": None, "model": "m"},
        {"choices": [{"delta": None, "finish_reason": None}]},
        {"choices": [{"delta": {"content": None}}]},
        {"choices": [{"delta": {"content": "Hi"}}], "model": "m-2025"},
        ["not", "an", "object"],
        {"choices": [{"delta": {}, "finish_reason": "stop"}], "usage": None},
        {"choices": [], "usage": {"prompt_tokens": 4, "completion_tokens": None}},
    ]
    chunks = list(chat_chunks(events))
    assert [(c.text, c.finish_reason) for c in chunks] == [("Hi", None), ("", "stop"), ("", None)]
    assert (chunks[0].response_model, chunks[2].prompt_tokens, chunks[2].completion_tokens) == ("m-2025", 4, None)
