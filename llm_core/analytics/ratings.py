"""Star ratings per model, with 95% intervals, and the frontier of models nothing beats on quality and cost."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..store.columns import floats, model_rows, models, shares

# Two-sided 95% critical values of Student's t for 1..30 degrees of freedom.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
    2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def _rated(frame: pd.DataFrame) -> pd.DataFrame:
    stars = floats(frame, "stars")
    rated = ~np.isnan(stars)
    return pd.DataFrame({"model": models(frame)[rated], "stars": stars[rated]})


def star_distribution(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model and star rating (1–5): how many rated requests got it, and the share of that model's ratings."""
    rated = _rated(frame)
    counts = shares(rated.assign(stars=rated["stars"].round().astype(int)), ["model", "stars"])
    return counts.astype({"stars": int}).sort_values(["model", "stars"], ignore_index=True)


def t_critical_95(dof: int) -> float:
    """Two-sided 95% critical value of Student's t with `dof` degrees of freedom."""
    if dof < 1:
        return math.nan
    if dof <= len(_T975):
        return _T975[dof - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * dof) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * dof**2)


def star_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """Per rated model: mean stars, the number of ratings and a 95% t interval around the mean."""
    table = _rated(frame).groupby("model", observed=True).agg(stars_mean=("stars", "mean"), ratings=("stars", "size"),
                                               spread=("stars", "std"))  # fmt: skip
    margin = table["ratings"].map(lambda n: t_critical_95(int(n) - 1)) * table["spread"] / np.sqrt(table["ratings"])
    table["lower"] = (table["stars_mean"] - margin).clip(lower=1)
    table["upper"] = (table["stars_mean"] + margin).clip(upper=5)
    table = model_rows(table.drop(columns="spread"))
    return table.sort_values("stars_mean", ascending=False, ignore_index=True)


def pareto_front(cost: pd.Series, quality: pd.Series) -> pd.Series:
    """True for points no other point beats on both axes: lower cost (or latency) and higher quality."""
    known = cost.notna() & quality.notna()
    front = pd.Series(False, index=cost.index)
    best = -math.inf
    order = pd.DataFrame({"x": cost[known], "y": quality[known]}).sort_values(["x", "y"], ascending=[True, False])
    for label, y in order["y"].items():
        if y > best:
            front[label] = True
            best = y
    return front


def quality_frontier(summary: pd.DataFrame, ratings: pd.Series) -> pd.DataFrame:
    """Each rated model's quality against its cost per request and median latency, with both Pareto fronts."""
    table = summary.set_index("model")[["cost_per_request", "latency_p50"]].join(ratings.rename("quality"), how="inner")
    table = table[table["quality"].notna()]
    table["front_cost"] = pareto_front(table["cost_per_request"], table["quality"])
    table["front_latency"] = pareto_front(table["latency_p50"], table["quality"])
    return table.rename_axis("model").reset_index()
