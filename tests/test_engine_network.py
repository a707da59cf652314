"""Retries, fallback, cut streams and truthful numbers, through the real OpenAI SDK against a loopback server."""

import time

import pytest

from llm_core import Comparison, Job, Turn, ask
from llm_core.store.csv_store import LogStore
from tests.loopback import Behaviour


def test_provider_usage_is_used_and_priced(fallback_servers):
    primary, _ = fallback_servers
    primary.script(Behaviour(reply="Four words right here", prompt_tokens=11))
    r = ask("primary", "hello", store=False)
    assert r.status == "ok" and r.text == "Four words right here"
    assert (r.prompt_tokens, r.completion_tokens, r.token_source) == (11, 4, "provider")
    assert r.cost_usd == pytest.approx((11 * 1.0 + 4 * 2.0) / 1e6)
    assert primary.last.body["stream_options"] == {"include_usage": True}


def test_without_provider_usage_tokens_are_counted_and_marked(fallback_servers):
    primary, _ = fallback_servers
    primary.script(Behaviour(reply="No usage from me", usage=False))
    r = ask("primary", "hello", store=False)
    assert r.status == "ok" and r.token_source == "tiktoken" and r.completion_tokens == 4


def test_a_slow_first_token_shows_in_ttft(fallback_servers):
    primary, _ = fallback_servers
    primary.script(Behaviour(reply="late but fine", ttft_ms=300))
    r = ask("primary", "hello", store=False)
    assert r.ttft_ms == pytest.approx(300, abs=150) and r.latency_ms >= r.ttft_ms


def test_rate_limits_are_retried_after_the_time_the_provider_asks(fallback_servers):
    primary, _ = fallback_servers
    primary.script(Behaviour(status=429, retry_after=1), Behaviour(reply="second time lucky"))
    started = time.monotonic()
    r = ask("primary", "hello", store=False)
    assert r.status == "ok" and r.text == "second time lucky" and r.attempts == 2
    assert time.monotonic() - started >= 1.0
    assert r.model == "primary"


def test_server_errors_are_retried_with_backoff(fallback_servers):
    primary, _ = fallback_servers
    primary.script(Behaviour(status=500), Behaviour(status=503), Behaviour(reply="up again"))
    r = ask("primary", "hello", store=False)
    assert r.status == "ok" and r.attempts == 3 and len(primary.requests) == 3


def test_a_rejected_key_is_not_retried_and_falls_back(fallback_servers):
    primary, backup = fallback_servers
    primary.script(Behaviour(status=401))
    backup.script(Behaviour(reply="backup speaking"))
    r = ask("primary", "hello", store=False)
    assert r.status == "ok" and (r.requested_model, r.model) == ("primary", "backup")
    assert len(primary.requests) == 1 and "primary" in r.fallback_errors[0]
    assert "test-key-not-real-1234" not in " ".join(r.fallback_errors)


def test_when_every_model_fails_the_error_says_what_happened_without_the_key(fallback_servers):
    primary, backup = fallback_servers
    primary.script(Behaviour(status=401))
    backup.script(Behaviour(status=500))
    r = ask("primary", "hello", store=False)
    assert r.status == "error" and "every model failed" in r.error
    assert "test-key-not-real-1234" not in r.error and r.cost_usd is None


def test_a_retry_after_beyond_the_limit_fails_at_once_saying_how_long(fallback_servers, monkeypatch):
    primary, backup = fallback_servers
    primary.script(Behaviour(status=429, retry_after=3600))
    backup.script(Behaviour(status=429, retry_after=3600))
    started = time.monotonic()
    r = ask("primary", "hello", store=False)
    assert r.status == "error" and "3600 s" in r.error and time.monotonic() - started < 5


def test_a_cut_stream_keeps_its_text_and_is_incomplete_never_ok(fallback_servers):
    primary, backup = fallback_servers
    primary.script(Behaviour(reply="one two three four five six", cut_after_tokens=3))
    r = ask("primary", "hello", store=False)
    assert r.status == "incomplete" and r.text == "one two three" and r.error
    assert r.model == "primary" and not backup.requests  # no fallback once text was shown


def test_a_stream_ending_without_finish_signal_is_incomplete(fallback_servers):
    primary, _ = fallback_servers
    primary.script(Behaviour(reply="one two three four", end_after_tokens=2))
    r = ask("primary", "hello", store=False)
    assert r.status == "incomplete" and r.text == "one two" and "finish signal" in r.error


def test_an_unreachable_server_is_an_error_after_bounded_attempts(isolated, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "test-key-not-real-1234")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SWITCHBOARD_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("SWITCHBOARD_INITIAL_BACKOFF_S", "0.01")
    r = ask("openai:gpt-4o-mini", "hello", store=False)
    assert r.status == "error" and r.attempts == 2 and r.error_kind == "connection"


def test_cancelled_workers_stop_reading_from_the_provider(fallback_servers):
    primary, _ = fallback_servers
    primary.script(Behaviour(reply=" ".join(["tok"] * 400), tokens_per_s=100))
    comparison = Comparison([Job("primary", [{"role": "user", "content": "go"}])], store=False)
    events = iter(comparison)
    next(events)
    comparison.cancel()
    list(events)
    result = comparison.results[0]
    assert result.status == "cancelled" and 0 < len(result.text.split()) < 50


def test_every_response_is_logged_with_its_figures(fallback_servers):
    primary, _ = fallback_servers
    primary.script(Behaviour(reply="logged answer", prompt_tokens=5))
    r = Turn("primary", [{"role": "user", "content": "log me"}], session_id="s1").complete()
    rows = LogStore().read_requests().frame
    row = rows[rows.request_id == r.request_id].iloc[0]
    assert (row.response, row.status, row.model, row.prompt_tokens, row.session_id) == (
        "logged answer",
        "ok",
        "primary",
        5,
        "s1",
    )
    assert row.cost_usd == pytest.approx(r.cost_usd)
