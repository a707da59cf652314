"""The Analytics filters: what the log lets a user narrow it to, and the requests that match their choice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ..store.columns import equals

NO_TEMPLATE = "(none)"


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


def template_labels(frame: pd.DataFrame) -> pd.Series:
    """Each request's template name, with requests sent without one labelled `(none)`."""
    codes, names = pd.factorize(frame["template"], use_na_sentinel=False)
    labels = [NO_TEMPLATE if pd.isna(name) or not str(name).strip() else str(name).strip() for name in names]
    return pd.Series(np.asarray(labels, dtype=object)[codes] if len(codes) else [], index=frame.index, dtype=object)


def _present(column: pd.Series) -> list[str]:
    return sorted({str(value) for value in column.dropna().unique() if str(value)})


def _sessions(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    named = frame[np.asarray(frame["session_id"].fillna("") != "", dtype=bool)]
    table = named.groupby("session_id", observed=True, sort=False)["timestamp"].agg(requests="size", last_seen="max")
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
        keep &= equals(frame["session_id"], filters.session)
    return frame if keep.all() else frame[keep]
