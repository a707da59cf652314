"""The request log summed up for the Analytics page: a row per model, headline totals and the common errors.

Every function takes the request log as a DataFrame (the columns of `store.csv_store.REQUEST_COLUMNS` plus the
joined `stars`). The filters live in `filters`, chart data in `distributions`, stars and the quality frontier
in `ratings`, and the request search in `search`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..record import MAX_TOKENS_FINISHES
from ..store.columns import equals, floats, model_rows, models

ANALYSED_COLUMNS = [
    "timestamp", "request_id", "session_id", "provider", "model", "template", "status", "error", "error_kind",
    "latency_ms", "ttft_ms", "tokens_per_s", "prompt_tokens", "completion_tokens", "cost_usd", "stars",
    "finish_reason", "reasoning_tokens", "cached_prompt_tokens", "provider_cost_usd", "generation_tokens_per_s",
    "token_source", "prompt_token_source", "completion_token_source",
]  # fmt: skip
PAGE_COLUMNS = [*ANALYSED_COLUMNS, "rating_comment", "rated_at"]  # all the Analytics page holds: the texts stay out
OPTIONAL_SUMMARY = ["reasoning_tokens_mean", "cached_share", "generation_tokens_per_s_p50", "provider_cost_total"]


def analysed(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns the numbers are computed from, without the long texts, so filtering stays cheap."""
    return frame[[name for name in ANALYSED_COLUMNS if name in frame.columns]]


def cut_by_max_tokens(frame: pd.DataFrame) -> np.ndarray:
    """A boolean mask of the requests whose answer stopped at max_tokens (as `Result.cut_by_max_tokens` tells);
    logs from before finish reasons were kept have none."""
    if "finish_reason" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    finish = frame["finish_reason"].astype("string").str.lower()
    return np.asarray(finish.isin(MAX_TOKENS_FINISHES).fillna(False), dtype=bool)


def model_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per model: volume, errors, and (over successful requests) latency, speed and tokens; cost, stars."""
    if frame.empty:
        return pd.DataFrame(columns=["model", "provider", "requests", "error_rate"])
    ok = equals(frame["status"], "ok")
    only_ok = {"latency": "latency_ms", "ttft": "ttft_ms", "speed": "tokens_per_s", "prompt": "prompt_tokens",
               "completion": "completion_tokens", "reasoning": "reasoning_tokens", "cached": "cached_prompt_tokens",
               "generation": "generation_tokens_per_s"}  # fmt: skip
    values = pd.DataFrame(
        {
            "model": models(frame),
            "error": equals(frame["status"], "error").astype(float),
            **{name: np.where(ok, _floats(frame, column), np.nan) for name, column in only_ok.items()},
            "cost": floats(frame, "cost_usd"),
            "provider_cost": _floats(frame, "provider_cost_usd"),
            "stars": floats(frame, "stars"),
            "cut_off": cut_by_max_tokens(frame),
        }
    )
    grouped = values.groupby("model", observed=True, sort=True)
    means = grouped[["error", "prompt", "completion", "cost", "stars"]].mean()  # one pass per kind of figure
    medians = grouped[["latency", "ttft", "speed", "generation"]].median()
    cached = grouped["cached"].sum(min_count=1)
    prompted = values.assign(prompt=values["prompt"].where(values["cached"].notna())).groupby("model", observed=True)
    summary = pd.DataFrame(
        {
            "requests": grouped.size(),
            "error_rate": means["error"],
            "cut_off": grouped["cut_off"].sum(),
            "latency_p50": medians["latency"],
            "latency_p95": grouped["latency"].quantile(0.95),
            "ttft_p50": medians["ttft"],
            "tokens_per_s_p50": medians["speed"],
            "prompt_tokens_mean": means["prompt"],
            "completion_tokens_mean": means["completion"],
            "cost_total": grouped["cost"].sum(min_count=1),
            "cost_per_request": means["cost"],
            "stars_mean": means["stars"],
            "stars_count": grouped["stars"].count(),
            "reasoning_tokens_mean": grouped["reasoning"].mean(),
            "cached_share": cached / prompted["prompt"].sum(min_count=1),
            "generation_tokens_per_s_p50": medians["generation"],
            "provider_cost_total": grouped["provider_cost"].sum(min_count=1),
        }
    )
    summary.insert(0, "provider", frame.groupby(models(frame), observed=True)["provider"].first().astype(str))
    return model_rows(summary).sort_values("requests", ascending=False, kind="stable", ignore_index=True)


def _floats(frame: pd.DataFrame, column: str) -> np.ndarray:
    """`column` as floats, or all NaN for a frame from before the column existed."""
    return floats(frame, column) if column in frame.columns else np.full(len(frame), np.nan)


def overall_totals(frame: pd.DataFrame) -> dict[str, float]:
    """Headline numbers for the whole filtered log."""
    latency = floats(frame, "latency_ms")[equals(frame["status"], "ok")]
    cost = floats(frame, "cost_usd")
    return {
        "requests": float(len(frame)),
        "models": float(frame["model"].nunique()),
        "error_rate": float(equals(frame["status"], "error").mean()) if len(frame) else math.nan,
        "latency_p50": float(np.nanmedian(latency)) if np.isfinite(latency).any() else math.nan,
        "cost_total": float(np.nansum(cost)) if np.isfinite(cost).any() else math.nan,
    }


def common_errors(frame: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """The most frequent errors: kind, first line of the message, how often, which models, when last seen."""
    errors = frame[equals(frame["status"], "error")]
    if errors.empty:
        return pd.DataFrame(columns=["kind", "message", "count", "models", "last_seen"])
    table = pd.DataFrame(
        {
            "kind": errors["error_kind"].astype("string").fillna("").replace("", "other"),
            "message": errors["error"].astype("string").fillna("").str.split("\n").str[0].str.strip().str[:200],
            "model": errors["model"].astype(str),
            "timestamp": errors["timestamp"],
        }
    )
    result = table.groupby(["kind", "message"], sort=False).agg(
        count=("model", "size"),
        models=("model", lambda m: ", ".join(sorted(m.unique()))),
        last_seen=("timestamp", "max"),
    )
    return result.reset_index().sort_values(["count", "last_seen"], ascending=False, ignore_index=True).head(limit)
