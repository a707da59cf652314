"""Searching the request log for the most recent requests that mention some text."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
