"""Claude through the anthropic SDK: the system parameter, the required max_tokens, and no sampling options."""

from __future__ import annotations

import pytest

from llm_core.errors import ProviderError
from llm_core.options import Options
from llm_core.providers import Endpoint
from llm_core.providers.anthropic import DEFAULT_MAX_TOKENS, AnthropicProvider, anthropic_chunks
from tests.loopback import Behaviour

KEY = "sk-ant-api03-loopbackKEY0123"
MESSAGES = [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "Name a colour."}]


@pytest.fixture(scope="module")
def claude(loopback_servers) -> AnthropicProvider:
    return AnthropicProvider(Endpoint(api_key=KEY, base_url=loopback_servers["anthropic"].url))


def test_the_request_carries_the_system_prompt_and_max_tokens(claude, anthropic_server):
    list(claude.stream("claude-test", MESSAGES, Options(max_tokens=77)))
    sent = anthropic_server.last
    assert sent.path == "/v1/messages"
    assert sent.body["system"] == "Answer briefly."
    assert sent.body["messages"] == [{"role": "user", "content": "Name a colour."}]
    assert (sent.body["max_tokens"], sent.body["stream"]) == (77, True)
    assert "anthropic-version" in sent.headers


def test_max_tokens_gets_the_documented_default_when_unset(claude, anthropic_server):
    list(claude.stream("claude-test", MESSAGES[1:], Options()))
    assert anthropic_server.last.body["max_tokens"] == DEFAULT_MAX_TOKENS == 1024
    assert "system" not in anthropic_server.last.body


@pytest.mark.parametrize("options", [Options(temperature=0.3), Options(top_p=0.9)])
def test_sampling_options_are_refused_clearly_before_anything_is_sent(claude, anthropic_server, options):
    with pytest.raises(ProviderError) as raised:
        list(claude.stream("claude-test", MESSAGES, options))
    assert raised.value.kind == "bad_request"
    assert ("temperature" if options.temperature is not None else "top_p") in str(raised.value)
    assert anthropic_server.requests == []


def test_an_overloaded_api_is_a_server_error_worth_retrying(claude, anthropic_server):
    anthropic_server.script(Behaviour(status=529))
    with pytest.raises(ProviderError) as raised:
        list(claude.stream("claude-test", MESSAGES, Options()))
    assert (raised.value.kind, raised.value.status_code, raised.value.retryable) == ("server", 529, True)


def test_an_answer_stopped_by_max_tokens_says_so(claude, anthropic_server):
    anthropic_server.script(Behaviour(reply="one two three four five"))
    chunks = list(claude.stream("claude-test", MESSAGES, Options(max_tokens=3)))
    assert "".join(c.text for c in chunks) == "one two three"
    assert [(c.finish_reason, c.completion_tokens) for c in chunks if c.finish_reason] == [("max_tokens", 3)]


def test_events_with_missing_parts_are_read_without_failing():
    """The events are read as plain JSON: a missing usage or delta is no usage or no text, never a crash."""
    events = [
        {"type": "message_start", "message": {"model": "claude-x", "usage": None}},
        {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "Hi"}},
        {"type": "content_block_delta", "delta": None},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}},
        {"type": "message_delta", "delta": {}, "usage": {"input_tokens": 5, "cache_read_input_tokens": 2}},
        {"type": "message_stop"},
    ]
    chunks = list(anthropic_chunks(events))
    assert [(c.text, c.finish_reason) for c in chunks] == [("", None), ("Hi", None), ("", "end_turn"), ("", None)]
    assert (chunks[0].response_model, chunks[0].prompt_tokens) == ("claude-x", None)
    assert (chunks[2].completion_tokens, chunks[3].prompt_tokens) == (3, 7)
