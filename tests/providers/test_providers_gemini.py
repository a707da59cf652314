"""Gemini through google-genai: system instruction, model turns, generation config, and Gemini's own error shapes."""

from __future__ import annotations

import pytest

from llm_core.errors import ProviderError
from llm_core.options import Options
from llm_core.providers import Endpoint
from llm_core.providers.gemini import GeminiProvider
from tests.loopback import Behaviour, invalid_key_body

KEY = "AIzaSyLoopbackKEY0123456789abcdef"
CONVERSATION = [
    {"role": "system", "content": "Answer briefly."},
    {"role": "user", "content": "Name a colour."},
    {"role": "assistant", "content": "Blue."},
    {"role": "user", "content": "Another one?"},
]


@pytest.fixture(scope="module")
def gemini(loopback_servers) -> GeminiProvider:
    return GeminiProvider(Endpoint(api_key=KEY, base_url=loopback_servers["gemini"].url))


def test_the_request_carries_the_system_instruction_the_turns_and_the_options(gemini, gemini_server):
    list(gemini.stream("gemini-test", CONVERSATION, Options(temperature=0.4, max_tokens=64, top_p=0.5)))
    sent = gemini_server.last
    assert sent.path == "/v1beta/models/gemini-test:streamGenerateContent"
    assert sent.query == {"alt": "sse"}  # the key travels in a header, never in the URL
    assert sent.headers["x-goog-api-key"] == KEY
    assert sent.body["systemInstruction"]["parts"] == [{"text": "Answer briefly."}]
    assert [(c["role"], c["parts"][0]["text"]) for c in sent.body["contents"]] == [
        ("user", "Name a colour."),
        ("model", "Blue."),
        ("user", "Another one?"),
    ]
    assert sent.body["generationConfig"] == {"temperature": 0.4, "maxOutputTokens": 64, "topP": 0.5}


def test_unset_options_are_left_to_the_model(gemini, gemini_server):
    list(gemini.stream("gemini-test", CONVERSATION[1:], Options()))
    assert "generationConfig" not in gemini_server.last.body
    assert "systemInstruction" not in gemini_server.last.body


def test_a_bad_key_reported_the_gemini_way_is_an_auth_error(gemini, gemini_server):
    gemini_server.script(Behaviour(status=400, error_body=invalid_key_body(KEY)))
    with pytest.raises(ProviderError) as raised:
        list(gemini.stream("gemini-test", CONVERSATION, Options()))
    assert (raised.value.kind, raised.value.status_code) == ("auth", 400)
    assert KEY not in str(raised.value)
    assert "GEMINI_API_KEY" in str(raised.value)


def test_thinking_tokens_count_as_completion_tokens(gemini, gemini_server):
    gemini_server.script(Behaviour(reply="Green, then red", thinking_tokens=30, prompt_tokens=8))
    chunks = list(gemini.stream("gemini-test", CONVERSATION, Options()))
    last = chunks[-1]
    assert (last.finish_reason, last.prompt_tokens, last.completion_tokens) == ("stop", 8, 33)


def test_an_answer_stopped_by_max_tokens_says_so(gemini, gemini_server):
    gemini_server.script(Behaviour(reply="one two three four five"))
    chunks = list(gemini.stream("gemini-test", CONVERSATION, Options(max_tokens=2)))
    assert "".join(c.text for c in chunks) == "one two"
    assert [c.finish_reason for c in chunks if c.finish_reason] == ["max_tokens"]


def test_only_models_that_can_answer_are_listed(gemini, gemini_server):
    gemini_server.models = ["gemini-test"]
    assert gemini.list_models() == ["gemini-test"]  # the server also lists an embedding-only model
