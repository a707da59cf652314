"""The data behind the Analytics charts: what each chart shows, and that it stays small for any log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llm_core.analytics.distributions import (
    capped_sample,
    histogram,
    over_time,
    quantile_boxes,
    status_shares,
    time_unit,
)
from llm_core.analytics.ratings import star_distribution
from tests.analytics_support import log, request, synthetic_log


def test_box_plot_quantiles_follow_each_models_latencies():
    frame = log(*[request(model="gpt", latency_ms=float(ms)) for ms in range(1, 101)], request(model="claude"))
    boxes = quantile_boxes(frame, "latency_ms").set_index("model")
    assert boxes.loc["gpt", "median"] == pytest.approx(50.5)
    assert boxes.loc["gpt", "q1"] < boxes.loc["gpt", "median"] < boxes.loc["gpt", "q3"] < boxes.loc["gpt", "p95"]
    assert boxes.loc["gpt", "count"] == 100
    assert boxes.loc["claude", "median"] == 1000


def test_histogram_shares_add_up_and_one_outlier_does_not_stretch_the_bins():
    tokens = [*range(100), 1_000_000]
    frame = log(*[request(completion_tokens=n) for n in tokens])
    bins = histogram(frame, "completion_tokens", bins=20, integer=True)
    assert bins["share"].sum() == pytest.approx(1.0)
    assert bins["count"].sum() == len(tokens)
    assert bins["end"].max() < 200  # the outlier sits in the last bin instead of making a 1,000,000-wide axis
    assert (bins["end"] - bins["start"]).nunique() == 1


def test_chart_data_stays_small_however_large_the_log():
    frame = synthetic_log(100_000)
    assert len(histogram(frame, "prompt_tokens", integer=True)) <= 3 * 40
    assert len(quantile_boxes(frame, "latency_ms")) == 3
    assert len(capped_sample(frame, ["completion_tokens", "latency_ms"], cap=2000)) <= 2100
    unit, buckets = over_time(frame)
    assert unit == "day" and len(buckets) <= 3 * 31
    assert len(status_shares(frame)) <= 3 * 4
    assert len(star_distribution(frame)) <= 3 * 5


def test_many_models_over_years_stay_under_altairs_row_limit():
    rng = np.random.default_rng(3)
    size = 50_000
    frame = synthetic_log(size).assign(
        model=pd.Categorical([f"model-{i}" for i in rng.integers(0, 80, size)]),
        timestamp=pd.Timestamp("2022-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 3 * 365, size), "D"),
    )
    unit, buckets = over_time(frame)
    assert len(buckets) <= 5000
    assert unit == "month"


def test_sample_keeps_a_rare_model_visible():
    frame = log(*[request(model="busy") for _ in range(5000)], *[request(model="rare") for _ in range(5)])
    sample = capped_sample(frame, ["completion_tokens", "latency_ms"], cap=500)
    assert len(sample) <= 520
    assert (sample["model"] == "rare").sum() == 5


def test_time_buckets_follow_the_span_of_the_log():
    day = pd.Timestamp("2025-03-01", tz="UTC")
    assert time_unit(day, day + pd.Timedelta(hours=20)) == "hour"
    assert time_unit(day, day + pd.Timedelta(days=30)) == "day"
    assert time_unit(day, day + pd.Timedelta(days=400)) == "week"
    assert time_unit(day, day + pd.Timedelta(days=2000)) == "month"
    assert time_unit(day, day + pd.Timedelta(days=30), max_buckets=20) == "week"
    frame = log(
        request(timestamp=day + pd.Timedelta(minutes=5), cost_usd=0.01),
        request(timestamp=day + pd.Timedelta(minutes=50), cost_usd=0.02, latency_ms=3000.0),
        request(timestamp=day + pd.Timedelta(hours=3), status="error", latency_ms=1.0),
    )
    unit, buckets = over_time(frame)
    assert unit == "hour"
    first = buckets.iloc[0]
    assert (first["requests"], first["cost"], first["latency_p50"]) == (2, pytest.approx(0.03), 2000.0)
    assert first["bucket"] == day
    assert np.isnan(buckets.iloc[1]["latency_p50"])  # an hour of only errors has no latency to show


def test_status_shares_show_the_error_rate_per_model():
    frame = log(request(model="gpt"), request(model="gpt", status="error"), request(model="gpt", status="cancelled"),
                request(model="gpt", status="error"))  # fmt: skip
    shares = status_shares(frame).set_index("status")
    assert shares.loc["error", "share"] == pytest.approx(0.5)
    assert shares["share"].sum() == pytest.approx(1.0)
