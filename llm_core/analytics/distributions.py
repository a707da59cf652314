"""Per-model distributions for the Analytics charts: percentiles, histograms, a capped sample, outcomes, time.

Each frame's size depends on the number of models, bins or buckets, never on the number of requests, so a
chart's payload stays bounded whatever the size of the log.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..store.columns import equals, floats, model_rows, models, shares

BOX_QUANTILES = {"p05": 0.05, "q1": 0.25, "median": 0.5, "q3": 0.75, "p95": 0.95}
BUCKET_FREQUENCIES = {"hour": "h", "day": "D", "week": "W", "month": "M"}
UNIT_LENGTHS = {"hour": pd.Timedelta(hours=1), "day": pd.Timedelta(days=1), "week": pd.Timedelta(weeks=1),
                "month": pd.Timedelta(days=31)}  # fmt: skip
MAX_CHART_ROWS = 4000  # Altair refuses a chart of more than 5,000 rows


def _ok_values(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Model and `column` for the successful requests where `column` is known."""
    values = floats(frame, column)
    keep = equals(frame["status"], "ok") & ~np.isnan(values)
    return pd.DataFrame({"model": models(frame)[keep], column: values[keep]})


def quantile_boxes(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per model, the 5th, 25th, 50th, 75th and 95th percentiles of `column` over successful requests."""
    values = _ok_values(frame, column)
    if values.empty:
        return pd.DataFrame(columns=["model", "count", *BOX_QUANTILES])
    grouped = values.groupby("model", observed=True, sort=True)[column]
    boxes = grouped.quantile(list(BOX_QUANTILES.values())).unstack()
    boxes.columns = list(BOX_QUANTILES)
    boxes.insert(0, "count", grouped.size())
    return model_rows(boxes)


def _nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least `raw`."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def histogram(frame: pd.DataFrame, column: str, bins: int = 30, integer: bool = False) -> pd.DataFrame:
    """Per model, the share of successful requests in each of about `bins` shared bins; values past the 99th
    percentile land in the last bin, so one outlier does not squash the rest."""
    rows = _ok_values(frame, column)
    if rows.empty:
        return pd.DataFrame(columns=["model", "start", "end", "count", "share"])
    values = rows[column].to_numpy()
    low, high = float(values.min()), float(np.quantile(values, 0.99))
    step = _nice_step((high - low) / bins)
    step = max(step, 1.0) if integer else step
    low = math.floor(low / step) * step
    count_bins = max(1, math.ceil((high - low) / step + 1e-9))
    index = np.clip(((values - low) // step).astype(int), 0, count_bins - 1)
    counts = pd.DataFrame({"model": rows["model"], "bin": index}).groupby(["model", "bin"], observed=True).size()
    counts = counts.rename("count").reset_index().astype({"model": str})
    counts["start"] = low + counts["bin"] * step
    counts["end"] = counts["start"] + step
    counts["share"] = counts["count"] / counts.groupby("model")["count"].transform("sum")
    return counts.sort_values(["model", "start"], ignore_index=True)[["model", "start", "end", "count", "share"]]


def capped_sample(frame: pd.DataFrame, columns: list[str], cap: int = 2000, seed: int = 0) -> pd.DataFrame:
    """At most about `cap` successful requests with `columns` known, every model keeping a share of the points."""
    values = {column: floats(frame, column) for column in columns}
    keep = equals(frame["status"], "ok") & np.all([~np.isnan(v) for v in values.values()], axis=0)
    rows = pd.DataFrame({"model": models(frame)[keep], **{c: v[keep] for c, v in values.items()}})
    if len(rows) > cap:
        fraction = cap / len(rows)
        rows = pd.concat(
            group.sample(n=min(len(group), max(20, math.ceil(len(group) * fraction))), random_state=seed)
            for _, group in rows.groupby("model", observed=True, sort=True)
        )
    return rows.astype({"model": str}).reset_index(drop=True)


def status_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model and status (ok, incomplete, error, cancelled): the count and share of requests."""
    table = pd.DataFrame({"model": models(frame), "status": frame["status"].astype("category")})
    return shares(table, ["model", "status"])


def time_unit(first: pd.Timestamp, last: pd.Timestamp, max_buckets: int = 120) -> str:
    """The finest bucket size (hour, day, week or month) that shows the span in at most `max_buckets` points."""
    span = last - first
    return next((unit for unit, length in UNIT_LENGTHS.items() if span / length < max_buckets), "month")


def _bucket_starts(stamps: pd.Series, unit: str) -> pd.Series:
    if unit in ("hour", "day"):
        return stamps.dt.floor(BUCKET_FREQUENCIES[unit])
    periods = stamps.dt.tz_convert(None).dt.to_period(BUCKET_FREQUENCIES[unit])
    return periods.dt.start_time.dt.tz_localize("UTC")


def over_time(frame: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """The bucket unit, and per bucket and model: requests, median latency of successful requests, and cost."""
    rows = frame[np.asarray(frame["timestamp"].notna(), dtype=bool)]
    if rows.empty:
        return "day", pd.DataFrame(columns=["bucket", "model", "requests", "latency_p50", "cost"])
    count_models = max(1, rows["model"].nunique())
    unit = time_unit(rows["timestamp"].min(), rows["timestamp"].max(), min(120, MAX_CHART_ROWS // count_models))
    table = pd.DataFrame(
        {
            "bucket": _bucket_starts(rows["timestamp"], unit),
            "model": models(rows),
            "latency": np.where(equals(rows["status"], "ok"), floats(rows, "latency_ms"), np.nan),
            "cost": floats(rows, "cost_usd"),
        }
    )
    buckets = table.groupby(["bucket", "model"], observed=True, sort=True).agg(
        requests=("latency", "size"), latency_p50=("latency", "median"), cost=("cost", "sum")
    )
    return unit, buckets.reset_index().astype({"model": str})
