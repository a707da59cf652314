"""Numbers for the Analytics page: filters, per-model summaries and small, pre-aggregated chart data.

Every function takes the request log as a DataFrame (the columns of `logstore.REQUEST_COLUMNS` plus the
joined `stars`) and returns a frame whose size depends on the number of models, bins or buckets, never on
the number of requests, so a chart's payload stays bounded whatever the size of the log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

NO_TEMPLATE = "(none)"
BOX_QUANTILES = {"p05": 0.05, "q1": 0.25, "median": 0.5, "q3": 0.75, "p95": 0.95}
BUCKET_FREQUENCIES = {"hour": "h", "day": "D", "week": "W", "month": "M"}
# Two-sided 95% critical values of Student's t for 1..30 degrees of freedom.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
    2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the log to; an empty choice means everything."""

    start: date | None = None
    end: date | None = None  # inclusive, in UTC
    models: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    session: str = ""


@dataclass(frozen=True)
class FilterChoices:
    """The values each filter can take, read from the log."""

    first_day: date | None
    last_day: date | None
    models: list[str]
    providers: list[str]
    templates: list[str]
    statuses: list[str]
    sessions: pd.DataFrame  # session_id, requests, last_seen; most recent first


ANALYSED_COLUMNS = [
    "timestamp", "request_id", "session_id", "provider", "model", "template", "status", "error", "error_kind",
    "latency_ms", "ttft_ms", "tokens_per_s", "prompt_tokens", "completion_tokens", "cost_usd", "stars",
]  # fmt: skip


def analysed(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns the numbers are computed from, without the long texts, so filtering stays cheap."""
    return frame[[name for name in ANALYSED_COLUMNS if name in frame.columns]]


def _is(column: pd.Series, value: str) -> np.ndarray:
    return np.asarray((column == value).fillna(False), dtype=bool)


def _floats(frame: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _models(frame: pd.DataFrame) -> pd.Series:
    return frame["model"].astype("category")


def _plain_model_index(table: pd.DataFrame) -> pd.DataFrame:
    table.index = table.index.astype(str).rename("model")
    return table.reset_index()


def template_labels(frame: pd.DataFrame) -> pd.Series:
    """Each request's template name, with requests sent without one labelled `(none)`."""
    codes, names = pd.factorize(frame["template"], use_na_sentinel=False)
    labels = [NO_TEMPLATE if pd.isna(name) or not str(name).strip() else str(name).strip() for name in names]
    return pd.Series(np.asarray(labels, dtype=object)[codes] if len(codes) else [], index=frame.index, dtype=object)


def _present(column: pd.Series) -> list[str]:
    return sorted({str(value) for value in column.dropna().unique() if str(value)})


def _sessions(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    named = frame[np.asarray(frame["session_id"].fillna("") != "", dtype=bool)]
    table = named.groupby("session_id", sort=False)["timestamp"].agg(requests="size", last_seen="max")
    return table.sort_values("last_seen", ascending=False).head(limit).reset_index()


def filter_choices(frame: pd.DataFrame, max_sessions: int = 500) -> FilterChoices:
    """The dates, models, providers, templates, statuses and most recent sessions present in the log."""
    stamps = frame["timestamp"]
    first, last = stamps.min(), stamps.max()
    return FilterChoices(
        first_day=None if pd.isna(first) else first.date(),
        last_day=None if pd.isna(last) else last.date(),
        models=_present(frame["model"]),
        providers=_present(frame["provider"]),
        templates=sorted(template_labels(frame).unique()),
        statuses=_present(frame["status"]),
        sessions=_sessions(frame, max_sessions),
    )


def _day_start(day: date) -> pd.Timestamp:
    return pd.Timestamp(day, tz="UTC")


def apply_filters(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The requests that match every filter."""
    keep = np.ones(len(frame), dtype=bool)
    if filters.start is not None:
        keep &= np.asarray(frame["timestamp"] >= _day_start(filters.start), dtype=bool)
    if filters.end is not None:
        keep &= np.asarray(frame["timestamp"] < _day_start(filters.end + timedelta(days=1)), dtype=bool)
    for column, chosen in (("model", filters.models), ("provider", filters.providers), ("status", filters.statuses)):
        if chosen:
            keep &= np.asarray(frame[column].isin(chosen), dtype=bool)
    if filters.templates:
        keep &= np.asarray(template_labels(frame).isin(filters.templates), dtype=bool)
    if filters.session:
        keep &= _is(frame["session_id"], filters.session)
    return frame if keep.all() else frame[keep]


def successful(frame: pd.DataFrame) -> pd.DataFrame:
    """Requests that finished normally: latency, speed and token figures only mean something for these."""
    return frame[_is(frame["status"], "ok")]


def model_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per model: volume, errors, and (over successful requests) latency, speed and tokens; cost, stars."""
    if frame.empty:
        return pd.DataFrame(columns=["model", "provider", "requests", "error_rate"])
    ok = _is(frame["status"], "ok")
    only_ok = {"latency": "latency_ms", "ttft": "ttft_ms", "speed": "tokens_per_s", "prompt": "prompt_tokens",
               "completion": "completion_tokens"}  # fmt: skip
    values = pd.DataFrame(
        {
            "model": _models(frame),
            "error": _is(frame["status"], "error").astype(float),
            **{name: np.where(ok, _floats(frame, column), np.nan) for name, column in only_ok.items()},
            "cost": _floats(frame, "cost_usd"),
            "stars": _floats(frame, "stars"),
        }
    )
    grouped = values.groupby("model", observed=True, sort=True)
    summary = grouped.agg(
        requests=("error", "size"),
        error_rate=("error", "mean"),
        latency_p50=("latency", "median"),
        ttft_p50=("ttft", "median"),
        tokens_per_s_p50=("speed", "median"),
        prompt_tokens_mean=("prompt", "mean"),
        completion_tokens_mean=("completion", "mean"),
        cost_per_request=("cost", "mean"),
        stars_mean=("stars", "mean"),
        stars_count=("stars", "count"),
    )
    summary.insert(3, "latency_p95", grouped["latency"].quantile(0.95))
    summary.insert(8, "cost_total", grouped["cost"].sum(min_count=1))
    summary.insert(0, "provider", frame.groupby(_models(frame), observed=True)["provider"].first().astype(str))
    return _plain_model_index(summary).sort_values("requests", ascending=False, kind="stable", ignore_index=True)


def overall_totals(frame: pd.DataFrame) -> dict[str, float]:
    """Headline numbers for the whole filtered log."""
    latency = _floats(frame, "latency_ms")[_is(frame["status"], "ok")]
    cost = _floats(frame, "cost_usd")
    return {
        "requests": float(len(frame)),
        "models": float(frame["model"].nunique()),
        "error_rate": float(_is(frame["status"], "error").mean()) if len(frame) else math.nan,
        "latency_p50": float(np.nanmedian(latency)) if np.isfinite(latency).any() else math.nan,
        "cost_total": float(np.nansum(cost)) if np.isfinite(cost).any() else math.nan,
    }


def _ok_values(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Model and `column` for the successful requests where `column` is known."""
    values = _floats(frame, column)
    keep = _is(frame["status"], "ok") & ~np.isnan(values)
    return pd.DataFrame({"model": _models(frame)[keep], column: values[keep]})


def quantile_boxes(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per model, the 5th, 25th, 50th, 75th and 95th percentiles of `column` over successful requests."""
    values = _ok_values(frame, column)
    if values.empty:
        return pd.DataFrame(columns=["model", "count", *BOX_QUANTILES])
    grouped = values.groupby("model", observed=True, sort=True)[column]
    boxes = grouped.quantile(list(BOX_QUANTILES.values())).unstack()
    boxes.columns = list(BOX_QUANTILES)
    boxes.insert(0, "count", grouped.size())
    return _plain_model_index(boxes)


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
    values = {column: _floats(frame, column) for column in columns}
    keep = _is(frame["status"], "ok") & np.all([~np.isnan(v) for v in values.values()], axis=0)
    rows = pd.DataFrame({"model": _models(frame)[keep], **{c: v[keep] for c, v in values.items()}})
    if len(rows) > cap:
        fraction = cap / len(rows)
        rows = pd.concat(
            group.sample(n=min(len(group), max(20, math.ceil(len(group) * fraction))), random_state=seed)
            for _, group in rows.groupby("model", observed=True, sort=True)
        )
    return rows.astype({"model": str}).reset_index(drop=True)


UNIT_LENGTHS = {"hour": pd.Timedelta(hours=1), "day": pd.Timedelta(days=1), "week": pd.Timedelta(weeks=1),
                "month": pd.Timedelta(days=31)}  # fmt: skip
MAX_CHART_ROWS = 4000  # Altair refuses a chart of more than 5,000 rows


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
    models = max(1, rows["model"].nunique())
    unit = time_unit(rows["timestamp"].min(), rows["timestamp"].max(), min(120, MAX_CHART_ROWS // models))
    table = pd.DataFrame(
        {
            "bucket": _bucket_starts(rows["timestamp"], unit),
            "model": _models(rows),
            "latency": np.where(_is(rows["status"], "ok"), _floats(rows, "latency_ms"), np.nan),
            "cost": _floats(rows, "cost_usd"),
        }
    )
    buckets = table.groupby(["bucket", "model"], observed=True, sort=True).agg(
        requests=("latency", "size"), latency_p50=("latency", "median"), cost=("cost", "sum")
    )
    return unit, buckets.reset_index().astype({"model": str})


def _shares(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    counts = table.groupby(by, observed=True).size().rename("count").reset_index().astype({name: str for name in by})
    counts["share"] = counts["count"] / counts.groupby("model")["count"].transform("sum")
    return counts.sort_values(by, ignore_index=True)


def status_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model and status (ok, incomplete, error, cancelled): the count and share of requests."""
    table = pd.DataFrame({"model": _models(frame), "status": frame["status"].astype("category")})
    return _shares(table, ["model", "status"])


def common_errors(frame: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """The most frequent errors: kind, first line of the message, how often, which models, when last seen."""
    errors = frame[_is(frame["status"], "error")]
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


def _rated(frame: pd.DataFrame) -> pd.DataFrame:
    stars = _floats(frame, "stars")
    rated = ~np.isnan(stars)
    return pd.DataFrame({"model": _models(frame)[rated], "stars": stars[rated]})


def star_distribution(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model and star rating (1–5): how many rated requests got it, and the share of that model's ratings."""
    rated = _rated(frame)
    shares = _shares(rated.assign(stars=rated["stars"].round().astype(int)), ["model", "stars"])
    return shares.astype({"stars": int}).sort_values(["model", "stars"], ignore_index=True)


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
    table = _plain_model_index(table.drop(columns="spread"))
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


PREVIEW_COLUMNS = ["timestamp", "model", "status", "latency_ms", "completion_tokens", "cost_usd", "stars"]
SEARCHED_COLUMNS = ["prompt", "response", "model", "error", "request_id", "label"]
SEARCH_BLOCK = 20_000


def _matches(block: pd.DataFrame, needle: str) -> np.ndarray:
    hit = np.zeros(len(block), dtype=bool)
    for column in SEARCHED_COLUMNS:
        if column in block.columns:
            text = block[column].astype("string")
            hit |= np.asarray(text.str.contains(needle, case=False, regex=False).fillna(False), dtype=bool)
    return hit


def recent_requests(
    frame: pd.DataFrame, query: str = "", limit: int = 500, among: pd.Index | None = None
) -> pd.DataFrame:
    """The newest `limit` requests (of those labelled `among`, else all) whose prompt, response, model, error,
    id or label contains `query`, newest first.

    It walks back from the end of the log (rows are appended in time order) a block at a time, slicing rather
    than copying, so the cost depends on how far back the matches lie, not on the length of the log."""
    keep = np.ones(len(frame), dtype=bool) if among is None or len(among) == len(frame) else frame.index.isin(among)
    needle = query.strip()
    columns = [*PREVIEW_COLUMNS, "prompt", "request_id"]
    parts, found = [frame.iloc[:0][columns]], 0
    for end in range(len(frame), 0, -SEARCH_BLOCK):
        start = max(0, end - SEARCH_BLOCK)
        block = frame.iloc[start:end]
        if not keep[start:end].all():
            block = block[keep[start:end]]
        if needle and len(block):
            block = block[_matches(block, needle)]
        parts.append(block[columns])
        found += len(block)
        if found >= limit:
            break
    rows = pd.concat(parts).sort_values("timestamp", ascending=False, kind="stable").head(limit)
    preview = rows[PREVIEW_COLUMNS].astype({"model": str, "status": str})
    preview["prompt"] = rows["prompt"].astype("string").fillna("").str.slice(0, 120)
    preview["request_id"] = rows["request_id"]
    return preview
