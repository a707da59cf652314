"""The numbers behind the Analytics page: what a user reads in the summary table and the charts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from llm_core.analytics import (
    NO_TEMPLATE,
    Filters,
    apply_filters,
    capped_sample,
    common_errors,
    filter_choices,
    histogram,
    model_summary,
    over_time,
    pareto_front,
    quality_frontier,
    quantile_boxes,
    recent_requests,
    star_distribution,
    star_intervals,
    status_shares,
    t_critical_95,
    time_unit,
)


def request(**fields) -> dict:
    """One logged request with sensible defaults."""
    row = {
        "timestamp": pd.Timestamp("2025-03-01 12:00", tz="UTC"),
        "request_id": f"r{np.random.default_rng().integers(1e12)}",
        "session_id": "s1",
        "provider": "openai",
        "model": "gpt",
        "template": "",
        "prompt": "hello",
        "response": "hi there",
        "status": "ok",
        "error": "",
        "error_kind": "",
        "label": "",
        "latency_ms": 1000.0,
        "ttft_ms": 200.0,
        "tokens_per_s": 50.0,
        "prompt_tokens": 10,
        "completion_tokens": 40,
        "cost_usd": 0.001,
        "stars": np.nan,
    }
    row.update(fields)
    return row


def log(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows))
    for column in ("provider", "model", "status"):
        frame[column] = frame[column].astype("category")
    for column in ("prompt_tokens", "completion_tokens"):
        frame[column] = frame[column].astype("Int64")
    return frame


def synthetic_log(size: int, seed: int = 7) -> pd.DataFrame:
    """A large log of three models over a month, as the benchmark would write it."""
    rng = np.random.default_rng(seed)
    models = np.array(["fast", "slow", "cheap"])
    pick = rng.integers(0, 3, size)
    frame = pd.DataFrame(
        {
            "timestamp": pd.Timestamp("2025-03-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 30 * 86400, size), "s"),
            "request_id": [f"r{i}" for i in range(size)],
            "session_id": "s",
            "provider": "openai",
            "model": pd.Categorical(models[pick]),
            "template": "",
            "prompt": "p",
            "response": "r",
            "status": pd.Categorical(np.where(rng.random(size) < 0.05, "error", "ok")),
            "error": "",
            "error_kind": "",
            "latency_ms": rng.lognormal(7 + pick, 0.5),
            "ttft_ms": rng.lognormal(5, 0.3, size),
            "tokens_per_s": rng.normal(60, 10, size),
            "prompt_tokens": pd.array(rng.integers(5, 4000, size), dtype="Int64"),
            "completion_tokens": pd.array(rng.integers(1, 2000, size), dtype="Int64"),
            "cost_usd": rng.random(size) / 100,
            "stars": np.where(rng.random(size) < 0.1, rng.integers(1, 6, size), np.nan),
        }
    )
    return frame


def test_each_filter_narrows_the_log_to_what_was_chosen():
    frame = log(
        request(model="gpt", provider="openai", template="summarise", session_id="a"),
        request(model="claude", provider="anthropic", status="error", session_id="a"),
        request(model="llama", provider="groq", template="", session_id="b"),
        request(model="gpt", timestamp=pd.Timestamp("2025-02-27 23:59", tz="UTC"), session_id="b"),
    )
    assert set(apply_filters(frame, Filters(models=("gpt",)))["model"]) == {"gpt"}
    assert len(apply_filters(frame, Filters(models=("gpt",)))) == 2
    assert list(apply_filters(frame, Filters(providers=("groq",)))["model"]) == ["llama"]
    assert list(apply_filters(frame, Filters(templates=("summarise",)))["model"]) == ["gpt"]
    assert len(apply_filters(frame, Filters(templates=(NO_TEMPLATE,)))) == 3
    assert list(apply_filters(frame, Filters(statuses=("error",)))["model"]) == ["claude"]
    assert len(apply_filters(frame, Filters(session="b"))) == 2
    assert len(apply_filters(frame, Filters(start=date(2025, 3, 1)))) == 3
    assert len(apply_filters(frame, Filters(end=date(2025, 2, 28)))) == 1
    assert len(apply_filters(frame, Filters())) == 4


def test_filter_choices_list_what_the_log_holds_and_name_blank_templates():
    frame = log(
        request(model="gpt", template="summarise", session_id="old"),
        request(model="claude", provider="anthropic", template=None, session_id="new",
                timestamp=pd.Timestamp("2025-03-05", tz="UTC")),
    )  # fmt: skip
    choices = filter_choices(frame)
    assert choices.models == ["claude", "gpt"]
    assert choices.providers == ["anthropic", "openai"]
    assert choices.templates == [NO_TEMPLATE, "summarise"]
    assert (choices.first_day, choices.last_day) == (date(2025, 3, 1), date(2025, 3, 5))
    assert choices.sessions["session_id"].tolist() == ["new", "old"]


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


def test_status_shares_show_the_error_rate_per_model():
    frame = log(request(model="gpt"), request(model="gpt", status="error"), request(model="gpt", status="cancelled"),
                request(model="gpt", status="error"))  # fmt: skip
    shares = status_shares(frame).set_index("status")
    assert shares.loc["error", "share"] == pytest.approx(0.5)
    assert shares["share"].sum() == pytest.approx(1.0)


def test_star_interval_is_a_t_interval_around_the_mean():
    frame = log(*[request(model="gpt", stars=s) for s in (2, 3, 3, 4)], request(model="claude", stars=5),
                request(model="unrated"))  # fmt: skip
    table = star_intervals(frame).set_index("model")
    gpt = table.loc["gpt"]
    margin = 3.182 * np.std([2, 3, 3, 4], ddof=1) / 2
    assert (gpt["stars_mean"], gpt["ratings"]) == (3.0, 4)
    assert gpt["lower"] == pytest.approx(3 - margin, abs=1e-3)
    assert gpt["upper"] == pytest.approx(3 + margin, abs=1e-3)
    assert np.isnan(table.loc["claude", "lower"])  # one rating gives no interval
    assert "unrated" not in table.index
    distribution = star_distribution(frame).set_index(["model", "stars"])
    assert distribution.loc[("gpt", 3), "share"] == pytest.approx(0.5)


@pytest.mark.parametrize(("dof", "expected"), [(1, 12.706), (10, 2.228), (40, 2.0211), (100, 1.9840), (10_000, 1.9602)])
def test_t_critical_values_match_the_tables(dof, expected):
    assert t_critical_95(dof) == pytest.approx(expected, abs=2e-4)


def test_pareto_front_keeps_models_nothing_beats_on_both_cost_and_quality():
    cost = pd.Series({"cheap_bad": 1.0, "mid": 2.0, "dominated": 3.0, "best": 4.0, "unknown_cost": None})
    quality = pd.Series({"cheap_bad": 900.0, "mid": 1000.0, "dominated": 950.0, "best": 1100.0, "unknown_cost": 2e3})
    front = pareto_front(cost, quality)
    assert front[front].index.tolist() == ["cheap_bad", "mid", "best"]


def test_quality_frontier_marks_fronts_for_cost_and_latency_separately():
    summary = pd.DataFrame(
        {"model": ["a", "b", "c"], "cost_per_request": [0.01, 0.02, 0.03], "latency_p50": [900.0, 100.0, 500.0]}
    )
    table = quality_frontier(summary, pd.Series({"a": 1000.0, "b": 1050.0, "c": 990.0})).set_index("model")
    assert table["front_cost"].to_dict() == {"a": True, "b": True, "c": False}
    assert table["front_latency"].to_dict() == {"a": False, "b": True, "c": False}


def test_recent_requests_search_prompts_and_responses_newest_first():
    frame = log(
        request(prompt="Tell me about Paris", timestamp=pd.Timestamp("2025-03-01", tz="UTC")),
        request(response="PARIS is the capital", timestamp=pd.Timestamp("2025-03-03", tz="UTC")),
        request(prompt="about Rome", timestamp=pd.Timestamp("2025-03-02", tz="UTC")),
    )
    found = recent_requests(frame, "paris")
    assert len(found) == 2
    assert found["timestamp"].is_monotonic_decreasing
    assert recent_requests(frame, "")["prompt"].tolist()[-1] == "Tell me about Paris"
    assert len(recent_requests(frame, "", limit=2)) == 2
    assert recent_requests(frame, "berlin").empty
