"""Each token count says where it came from: a stream cut between its finish and its usage report is complete with
estimated counts and says so; a stream cut mid-way keeps whatever count the provider had already sent, labelled apart
from the estimated one. Through each provider's real SDK against the loopback servers."""

from __future__ import annotations

import pytest

from llm_core import ask
from llm_core.engine import USAGE_LOST_NOTE
from llm_core.session.details import made_with
from llm_core.session.display import answer_metrics, metrics_line
from llm_core.session.history import result_from_row
from tests.loopback import Behaviour

REPLY = "one two three four five six"
PROMPT_TOKENS = 50  # what the loopback reports, unlike anything tiktoken would count for "hello"

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


def test_an_openai_stream_cut_between_its_finish_and_its_usage_is_complete_with_estimated_counts(point, store):
    model, server = point("openai")
    server.script(Behaviour(reply=REPLY, prompt_tokens=PROMPT_TOKENS, cut_after_finish=True))
    r = ask(model, "hello", store=store)
    assert (r.status, r.text, r.finish_reason, r.error) == ("ok", REPLY, "stop", "")
    assert (r.prompt_token_source, r.completion_token_source, r.token_source) == ("tiktoken", "tiktoken", "tiktoken")
    assert r.prompt_tokens != PROMPT_TOKENS and r.completion_tokens == 6
    assert r.notes == USAGE_LOST_NOTE
    line = answer_metrics(r)
    assert "tok (est.)" in line and "usage report" in line
    assert ("Note", USAGE_LOST_NOTE) in made_with(r, hidden=False)
    row = store.read_requests().frame.iloc[-1]
    assert (row["status"], row["token_source"], row["completion_token_source"]) == ("ok", "tiktoken", "tiktoken")
    assert row["notes"] == USAGE_LOST_NOTE


@pytest.mark.parametrize("provider", ["groq", "gemini", "anthropic"])
def test_a_stream_cut_right_after_a_finish_that_carries_usage_keeps_the_exact_counts(provider, point):
    model, server = point(provider)
    server.script(Behaviour(reply=REPLY, prompt_tokens=PROMPT_TOKENS, cut_after_finish=True))
    r = ask(model, "hello", store=False)
    assert (r.status, r.text, r.error) == ("ok", REPLY, "")
    assert (r.prompt_tokens, r.completion_tokens, r.token_source) == (PROMPT_TOKENS, 6, "provider")
    assert (r.prompt_token_source, r.completion_token_source, r.notes) == ("provider", "provider", "")
    assert "est." not in metrics_line(r)


def test_an_anthropic_stream_cut_midway_keeps_the_providers_prompt_count_and_labels_each_source(point, store):
    model, server = point("anthropic")
    server.script(Behaviour(reply=REPLY, prompt_tokens=PROMPT_TOKENS, cut_after_tokens=3))
    r = ask(model, "hello", store=store)
    assert (r.status, r.text) == ("incomplete", "one two three")
    assert (r.prompt_tokens, r.prompt_token_source) == (PROMPT_TOKENS, "provider")  # from message_start
    assert (r.completion_tokens, r.completion_token_source) == (3, "tiktoken")
    assert r.token_source == "mixed" and r.estimated_tokens
    assert f"{PROMPT_TOKENS} → 3 tok (out est.)" in metrics_line(r)
    counts = dict(made_with(r, hidden=True))["Token counts"]
    assert counts.startswith("prompt reported by the provider; answer estimated with tiktoken")
    row = store.read_requests().frame.iloc[-1]
    logged = (row["token_source"], row["prompt_token_source"], row["completion_token_source"])
    assert logged == ("mixed", "provider", "tiktoken")
    assert f"{PROMPT_TOKENS} → 3 tok (out est.)" in metrics_line(result_from_row(row.to_dict()))  # History too


def test_a_gemini_stream_cut_midway_keeps_the_running_counts_gemini_sent_with_each_chunk(point):
    model, server = point("gemini")
    server.script(Behaviour(reply=REPLY, prompt_tokens=PROMPT_TOKENS, thinking_tokens=40, cut_after_tokens=3))
    r = ask(model, "hello", store=False)
    assert (r.status, r.text) == ("incomplete", "one two three")
    assert (r.prompt_tokens, r.completion_tokens, r.reasoning_tokens) == (PROMPT_TOKENS, 3 + 40, 40)
    assert r.token_source == "provider"


def test_an_openai_stream_cut_midway_estimates_both_counts(point):
    model, server = point("openai")
    server.script(Behaviour(reply=REPLY, prompt_tokens=PROMPT_TOKENS, cut_after_tokens=3))
    r = ask(model, "hello", store=False)
    assert r.status == "incomplete" and r.token_source == "tiktoken"
    assert (r.prompt_token_source, r.completion_token_source) == ("tiktoken", "tiktoken")
    assert "tok (est.)" in metrics_line(r)


def test_a_row_logged_before_counts_had_their_own_sources_reads_as_before(store):
    old = {"request_id": "r1", "model": "m", "requested_model": "m", "status": "ok", "prompt_tokens": 12,
           "completion_tokens": 5, "token_source": "tiktoken"}  # fmt: skip
    r = result_from_row(old)
    assert (r.prompt_source, r.completion_source, r.estimated_tokens) == ("tiktoken", "tiktoken", True)
    assert "12 → 5 tok (est.)" in metrics_line(r)
    assert dict(made_with(r, hidden=True))["Token counts"].startswith("both estimated with tiktoken")
    reported = result_from_row({**old, "token_source": "provider"})
    assert "est." not in metrics_line(reported)
    assert dict(made_with(reported, hidden=True))["Token counts"] == "both reported by the provider"
