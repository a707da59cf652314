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


def _sessions(frame: pd.DataFrame, limit: int | None) -> pd.DataFrame:
    sessions = frame[["session_id", "timestamp"]]  # masked alone: not every column of a million rows copied
    named = sessions[np.asarray(sessions["session_id"].fillna("") != "", dtype=bool)]
    table = named.groupby("session_id", observed=True, sort=False)["timestamp"].agg(requests="size", last_seen="max")
    return table.sort_values("last_seen", ascending=False).head(limit).reset_index()


def filter_choices(frame: pd.DataFrame, max_sessions: int | None = 500) -> FilterChoices:
    """The dates, models, providers, templates, statuses and most recent sessions present in the log (every
    session when `max_sessions` is None)."""
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


def merged_choices(before: FilterChoices, added: FilterChoices, max_sessions: int | None = 500) -> FilterChoices:
    """The choices of a log and the rows appended to it, as `filter_choices` of the whole log gives them, from the
    choices of each part (read with every session, `max_sessions=None`): a new row costs a pass over it alone."""
    sessions = pd.concat([before.sessions, added.sessions], ignore_index=True)
    sessions["session_id"] = sessions["session_id"].astype(str)
    sessions = sessions.groupby("session_id", sort=False).agg(
        requests=("requests", "sum"), last_seen=("last_seen", "max")
    )
    days = [day for day in (before.first_day, added.first_day, before.last_day, added.last_day) if day is not None]
    return FilterChoices(
        first_day=min(days, default=None),
        last_day=max(days, default=None),
        models=sorted(set(before.models) | set(added.models)),
        providers=sorted(set(before.providers) | set(added.providers)),
        templates=sorted(set(before.templates) | set(added.templates)),
        statuses=sorted(set(before.statuses) | set(added.statuses)),
        sessions=sessions.sort_values("last_seen", ascending=False).head(max_sessions).reset_index(),
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
