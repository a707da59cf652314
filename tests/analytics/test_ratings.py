"""Star ratings with their intervals, and the models nothing beats on quality for their cost or latency."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llm_core.analytics.ratings import pareto_front, quality_frontier, star_distribution, star_intervals, t_critical_95
from tests.analytics_support import log, request


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
