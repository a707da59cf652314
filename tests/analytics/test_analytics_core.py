"""The numbers a user reads in the Analytics summary table and the list of common errors."""

from __future__ import annotations

import numpy as np
import pytest

from llm_core.analytics.summary import common_errors, model_summary
from tests.analytics_support import log, request


def test_summary_counts_errors_and_measures_latency_on_successful_requests_only():
    frame = log(
        request(model="gpt", latency_ms=100.0, cost_usd=0.002, stars=5),
        request(model="gpt", latency_ms=200.0, cost_usd=0.004, stars=3),
        request(model="gpt", latency_ms=300.0, cost_usd=None),
        request(model="gpt", status="error", latency_ms=5.0, cost_usd=None, error="boom"),
        request(model="claude", latency_ms=900.0, prompt_tokens=30, completion_tokens=None),
    )
    summary = model_summary(frame).set_index("model")
    gpt = summary.loc["gpt"]
    assert gpt["requests"] == 4
    assert gpt["error_rate"] == pytest.approx(0.25)
    assert gpt["latency_p50"] == pytest.approx(200.0)
    assert gpt["latency_p95"] == pytest.approx(290.0)
    assert gpt["cost_total"] == pytest.approx(0.006)
    assert gpt["cost_per_request"] == pytest.approx(0.003)
    assert (gpt["stars_mean"], gpt["stars_count"]) == (4.0, 2)
    claude = summary.loc["claude"]
    assert claude["error_rate"] == 0
    assert claude["prompt_tokens_mean"] == 30
    assert np.isnan(claude["completion_tokens_mean"])
    assert summary.index.tolist() == ["gpt", "claude"]  # busiest first


def test_most_common_errors_come_first_with_the_models_that_hit_them():
    frame = log(
        request(model="gpt", status="error", error="Rate limit reached\ntrace...", error_kind="rate_limit"),
        request(model="claude", status="error", error="Rate limit reached", error_kind="rate_limit"),
        request(model="gpt", status="error", error="Invalid key", error_kind="auth"),
        request(model="gpt", status="error", error="old log without a kind", error_kind=None),
        request(model="gpt"),
    )
    errors = common_errors(frame)
    top = errors.iloc[0]
    assert (top["kind"], top["message"], top["count"], top["models"]) == ("rate_limit", "Rate limit reached", 2,
                                                                         "claude, gpt")  # fmt: skip
    assert len(errors) == 3
    assert "other" in errors["kind"].tolist()
