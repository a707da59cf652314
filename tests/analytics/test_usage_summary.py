"""Analytics shows reasoning and cached tokens, the generation rate and the provider's own cost where they exist."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llm_core.analytics.summary import model_summary


def test_reasoning_cached_share_and_billed_cost_per_model():
    frame = pd.DataFrame(
        {
            "model": ["grok", "grok", "claude"],
            "provider": ["openai", "openai", "anthropic"],
            "status": ["ok", "ok", "ok"],
            "prompt_tokens": [100, 300, 5000],
            "completion_tokens": [131, 50, 20],
            "reasoning_tokens": [129, 30, np.nan],
            "cached_prompt_tokens": [0, 200, 4000],
            "provider_cost_usd": [0.0001, 0.0002, np.nan],
            "generation_tokens_per_s": [60.0, 80.0, 40.0],
            "cost_usd": [0.0002, 0.0003, 0.001],
            "latency_ms": [1000.0] * 3,
            "ttft_ms": [500.0] * 3,
            "tokens_per_s": [20.0] * 3,
            "stars": [np.nan] * 3,
        }
    )
    table = model_summary(frame).set_index("model")
    assert table.loc["grok", "reasoning_tokens_mean"] == pytest.approx(79.5)
    assert table.loc["grok", "cached_share"] == pytest.approx(200 / 400)
    assert table.loc["claude", "cached_share"] == pytest.approx(0.8)
    assert table.loc["grok", "provider_cost_total"] == pytest.approx(0.0003)
    assert np.isnan(table.loc["claude", "provider_cost_total"])
    assert table.loc["grok", "generation_tokens_per_s_p50"] == pytest.approx(70.0)


def test_a_log_from_before_these_columns_still_summarises():
    frame = pd.DataFrame({"model": ["a"], "provider": ["openai"], "status": ["ok"], "prompt_tokens": [1],
                          "completion_tokens": [2], "cost_usd": [0.1], "latency_ms": [1.0], "ttft_ms": [1.0],
                          "tokens_per_s": [1.0], "stars": [np.nan]})  # fmt: skip
    table = model_summary(frame).set_index("model")
    assert np.isnan(table.loc["a", "reasoning_tokens_mean"]) and np.isnan(table.loc["a", "cached_share"])
