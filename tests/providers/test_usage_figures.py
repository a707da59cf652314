"""Token and cost figures that match the provider's bill: reasoning tokens however a provider reports them,
cached prompt tokens at their own price, and the provider's own cost beside ours, through the real SDKs."""

from __future__ import annotations

import pytest

from llm_core import ask
from llm_core.catalog import Model
from llm_core.options import Options
from llm_core.providers import Endpoint
from llm_core.providers.anthropic import AnthropicProvider
from llm_core.providers.gemini import GeminiProvider
from llm_core.session.display import metrics_line
from llm_core.store.csv_store import LogStore
from tests.loopback import Behaviour

MESSAGES = [{"role": "user", "content": "Think, then answer."}]


@pytest.fixture
def priced(isolated, monkeypatch, openai_server):
    """A catalog model on the OpenAI-style loopback server, $1 in, $0.25 cached in, $4 out per million."""
    monkeypatch.setenv("OPENAI_API_KEY", "test-key-not-real-1234")
    (isolated / "models.toml").write_text(
        f'[models.thinker]\nlabel = "Thinker"\nprovider = "openai"\nname = "grok-4-fast"\n'
        f'base_url = "{openai_server.url}/v1"\ninput_price = 1.0\ncached_input_price = 0.25\noutput_price = 4.0\n'
    )
    return openai_server


def merged(chunks) -> dict:
    """The last value each usage field took over a stream, as the engine keeps them."""
    figures: dict = {}
    for chunk in chunks:
        for name in ("prompt_tokens", "completion_tokens", "reasoning_tokens", "cached_prompt_tokens",
                     "cache_write_tokens"):  # fmt: skip
            if getattr(chunk, name) is not None:
                figures[name] = getattr(chunk, name)
    return figures


def test_xai_reasoning_outside_completion_tokens_is_billed_as_output(priced):
    priced.script(Behaviour(reply="Yes.", prompt_tokens=10, thinking_tokens=129, reasoning_outside_completion=True))
    r = ask("thinker", "Is it?", store=False)
    assert (r.completion_tokens, r.reasoning_tokens, r.token_source) == (130, 129, "provider")
    assert r.cost_usd == pytest.approx((10 * 1.0 + 130 * 4.0) / 1e6)


def test_openai_reasoning_inside_completion_tokens_is_not_counted_twice(priced):
    priced.script(Behaviour(reply="Yes.", prompt_tokens=10, thinking_tokens=129))
    r = ask("thinker", "Is it?", store=False)
    assert (r.completion_tokens, r.reasoning_tokens) == (130, 129)


def test_cached_prompt_tokens_are_priced_as_cached_and_logged(priced):
    priced.script(Behaviour(reply="Done.", prompt_tokens=1000, cached_tokens=900, reported_cost=0.000489))
    r = ask("thinker", "Again", store=LogStore())
    assert (r.prompt_tokens, r.cached_prompt_tokens) == (1000, 900)
    assert r.cost_usd == pytest.approx((100 * 1.0 + 900 * 0.25 + 1 * 4.0) / 1e6)
    assert r.provider_cost_usd == pytest.approx(0.000489)
    row = LogStore().read_requests().frame.iloc[-1]
    assert (row["cached_prompt_tokens"], row["reasoning_tokens"], row["provider_cost_usd"]) == (900, 0, 0.000489)


def test_anthropic_cache_reads_and_writes_are_recorded_apart(loopback_servers, anthropic_server):
    claude = AnthropicProvider(Endpoint(api_key="sk-ant-api03-loopbackKEY0123", base_url=anthropic_server.url))
    anthropic_server.script(Behaviour(reply="Blue.", prompt_tokens=5000, cached_tokens=4000, cache_write_tokens=600))
    figures = merged(claude.stream("claude-test", MESSAGES, Options()))
    assert figures == {"prompt_tokens": 5000, "completion_tokens": 1, "cached_prompt_tokens": 4000,
                       "cache_write_tokens": 600}  # fmt: skip


def test_gemini_thoughts_and_cached_content_are_recorded(loopback_servers, gemini_server):
    gemini = GeminiProvider(Endpoint(api_key="AIzaLoopbackKEY0123456789", base_url=gemini_server.url))
    gemini_server.script(Behaviour(reply="Two words", prompt_tokens=300, thinking_tokens=77, cached_tokens=256))
    figures = merged(gemini.stream("gemini-test", MESSAGES, Options()))
    assert figures["completion_tokens"] == 2 + 77 and figures["reasoning_tokens"] == 77
    assert figures["cached_prompt_tokens"] == 256


def test_anthropic_cache_prices_make_a_mostly_cached_prompt_cheap():
    claude = Model(id="c", label="C", provider="anthropic", name="claude", input_price=3.0, output_price=15.0,
                   cached_input_price=0.3, cache_write_price=3.75)  # fmt: skip
    assert claude.cost(100_000, 1000, cached=99_000) == pytest.approx((1000 * 3 + 99_000 * 0.3 + 1000 * 15) / 1e6)
    assert claude.cost(10_000, 0, cache_written=10_000) == pytest.approx(10_000 * 3.75 / 1e6)
    plain = Model(id="p", label="P", provider="openai", name="p", input_price=2.0, output_price=8.0)
    assert plain.cost(1000, 10, cached=800) == pytest.approx((1000 * 2 + 10 * 8) / 1e6)  # no cached price: input


def test_reasoning_tokens_are_not_divided_by_the_time_visible_text_took(priced):
    priced.script(Behaviour(reply="One two three four five", tokens_per_s=50, prompt_tokens=10, thinking_tokens=10_000))
    r = ask("thinker", "Think hard", store=False)
    assert r.completion_tokens == 10_005 and r.reasoning_tokens == 10_000
    old_rate = r.completion_tokens / ((r.latency_ms - r.ttft_ms) / 1000)  # reasoning over the visible text's time
    assert r.tokens_per_s < old_rate / 100
    assert r.generation_tokens_per_s == pytest.approx(r.completion_tokens / (r.latency_ms / 1000))


def test_an_answer_in_one_piece_gets_no_visible_rate(priced):
    priced.script(Behaviour(reply="Yes.", prompt_tokens=10))
    r = ask("thinker", "Quick", store=False)
    assert r.status == "ok" and r.completion_tokens == 1
    assert r.tokens_per_s is None


def test_the_metrics_line_shows_reasoning_cache_and_the_providers_own_cost(priced):
    priced.script(Behaviour(reply="One two three", tokens_per_s=50, prompt_tokens=1000, cached_tokens=900,
                            thinking_tokens=40, reported_cost=0.001))  # fmt: skip
    line = metrics_line(ask("thinker", "Again", store=False))
    assert "1,000 (900 cached) → 43 (40 reasoning) tok" in line
    assert "tok/s with reasoning" in line
    assert "(provider billed $0.001000)" in line  # ours is $0.000497: the catalog price is not what was billed
