"""What the providers really stream beside the answer, through their real SDKs: thinking that is never shown as the
answer, a function call that neither crashes nor is shown as text, and usage figures that come out exact."""

from __future__ import annotations

import pytest

from llm_core import ask
from llm_core.options import Options
from llm_core.providers import Endpoint
from llm_core.providers.gemini import GeminiProvider
from llm_core.session.details import made_with
from llm_core.session.display import answer_metrics
from tests.loopback import Behaviour, Received
from tests.loopback.anthropic_wire import AnthropicWire
from tests.loopback.gemini_wire import GeminiWire
from tests.loopback.openai_wire import OpenAIWire
from tests.providers.test_usage_figures import merged

THOUGHT = "The user wants a colour.\n\nBlue is a safe answer; I will say it plainly."
PROVIDERS = {  # model in the shipped catalog, its server fixture, and the variables that point it there
    "openai": ("gpt-4.1-mini", "openai_server", "OPENAI_API_KEY", "OPENAI_BASE_URL", "base_url"),
    "groq": ("llama-3.3-70b", "openai_server", "GROQ_API_KEY", "GROQ_BASE_URL", "url"),
    "gemini": ("gemini-2.5-flash", "gemini_server", "GEMINI_API_KEY", "GEMINI_BASE_URL", "url"),
    "anthropic": ("claude-haiku-4.5", "anthropic_server", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "url"),
}


@pytest.fixture
def point(request, monkeypatch):
    """Point a shipped model at its loopback server: `point("gemini")` gives the model id and the server."""

    def at(provider: str):
        model, fixture, key_var, url_var, url = PROVIDERS[provider]
        server = request.getfixturevalue(fixture)
        monkeypatch.setenv(key_var, "loopback-test-key-0123456789")
        monkeypatch.setenv(url_var, getattr(server, url))
        return model, server

    return at


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_thinking_streamed_before_the_answer_is_never_shown_as_the_answer(provider, point):
    model, server = point(provider)
    server.script(Behaviour(reply="Blue is a colour.", prompt_tokens=30, thinking_text=THOUGHT, thinking_tokens=120))
    r = ask(model, "Name a colour.", store=False)
    assert (r.status, r.text) == ("ok", "Blue is a colour.")
    assert (r.prompt_tokens, r.completion_tokens) == (30, 4 + 120)  # thinking is billed as output
    # Anthropic counts thinking inside output_tokens without a figure apart (its thinking text is a summary)
    assert r.reasoning_tokens == (None if provider == "anthropic" else 120)
    assert r.token_source == "provider"


@pytest.mark.parametrize(("wire", "marks"), [(GeminiWire, b'"thought":true'), (OpenAIWire, b'"reasoning":"'),
                                             (AnthropicWire, b'"type":"thinking_delta"')])  # fmt: skip
def test_the_loopback_really_streams_the_thinking(wire, marks):
    """The test above proves something only if the thinking is on the wire, as each provider sends it."""
    received = Received("POST", "/v1/chat/completions", {}, {}, {}, behaviour=Behaviour(thinking_text=THOUGHT))
    opening = b"".join(wire().opening(received, 10))
    assert marks in opening and b"user" in opening


def test_gemini_thought_parts_ask_for_no_text_and_each_chunk_carries_the_counts_so_far(gemini_server):
    gemini = GeminiProvider(Endpoint(api_key="AIzaLoopbackKEY0123456789", base_url=gemini_server.url))
    gemini_server.script(Behaviour(reply="One two three", prompt_tokens=300, thinking_text=THOUGHT,
                                   thinking_tokens=77, cached_tokens=256))  # fmt: skip
    chunks = list(gemini.stream("gemini-test", [{"role": "user", "content": "Count."}], Options()))
    texts = [c.text for c in chunks if c.text]
    assert texts == ["One", " two", " three"]
    running = [c.completion_tokens for c in chunks if c.text]
    assert running == [1 + 77, 2 + 77, 3 + 77]  # candidatesTokenCount so far, plus the thinking
    assert merged(chunks) == {"prompt_tokens": 300, "completion_tokens": 80, "reasoning_tokens": 77,
                              "cached_prompt_tokens": 256}  # fmt: skip


def test_a_gemini_function_call_is_not_shown_as_text_and_a_note_says_why(point):
    model, server = point("gemini")
    server.script(Behaviour(reply="Let me check.", function_call=("get_weather", {"city": "Paris"})))
    r = ask(model, "Weather in Paris?", store=False)
    assert (r.status, r.text) == ("ok", "Let me check.")
    assert "get_weather" in r.notes and "not shown" in r.notes
    assert f"note: {r.notes}" in answer_metrics(r, hidden=True)
    assert ("Note", r.notes) in made_with(r, hidden=True)


def test_an_answer_that_is_only_a_function_call_is_an_empty_answer_with_the_note(point, store):
    model, server = point("gemini")
    server.script(Behaviour(reply="", function_call=("get_weather", {"city": "Paris"})))
    r = ask(model, "Weather in Paris?", store=store)
    assert (r.status, r.text, r.finish_reason) == ("ok", "", "stop")
    assert "get_weather" in r.notes
    assert store.read_requests().frame.iloc[-1]["notes"] == r.notes


def test_groq_usage_on_the_finishing_chunk_is_read_exactly_with_its_details(point):
    model, server = point("groq")
    server.script(Behaviour(reply="Blue.", prompt_tokens=900, cached_tokens=512, thinking_tokens=33,
                            usage_chunk=False))  # fmt: skip
    r = ask(model, "Name a colour.", store=False)
    assert (r.prompt_tokens, r.cached_prompt_tokens, r.completion_tokens, r.reasoning_tokens) == (900, 512, 34, 33)
    assert r.token_source == "provider"


def test_anthropic_thinking_and_cache_counts_come_out_exact(point):
    model, server = point("anthropic")
    server.script(Behaviour(reply="Blue.", prompt_tokens=5000, cached_tokens=4000, cache_write_tokens=600,
                            thinking_text=THOUGHT, thinking_tokens=250))  # fmt: skip
    r = ask(model, "Name a colour.", store=False)
    assert r.text == "Blue."
    assert (r.prompt_tokens, r.cached_prompt_tokens, r.cache_write_tokens) == (5000, 4000, 600)
    assert r.completion_tokens == 1 + 250  # thinking is billed as output; Anthropic reports no reasoning count apart


def test_anthropic_thinking_billed_without_a_figure_apart_is_left_out_of_the_visible_rate(point):
    model, server = point("anthropic")
    server.script(Behaviour(reply="One two three four five six", tokens_per_s=50, thinking_text=THOUGHT,
                            thinking_tokens=10_000))  # fmt: skip
    r = ask(model, "Think hard.", store=False)
    assert (r.completion_tokens, r.reasoning_tokens) == (6 + 10_000, None)
    with_thinking = (r.completion_tokens - 1) / ((r.latency_ms - r.ttft_ms) / 1000)  # the rate thinking would give
    assert r.tokens_per_s < with_thinking / 100
