"""Searching the request log for the most recent requests that mention some text.

The log's numbers are in memory, its texts are not (see store/texts.py): a search reads the texts a chunk at a
time, newest first, keeps only the positions of the rows that match, and stops once it has enough. Only the
previews of the rows found are read back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..store.texts import FrameTexts, TextSource, with_texts

PREVIEW_COLUMNS = ["timestamp", "model", "status", "latency_ms", "completion_tokens", "cost_usd", "stars"]
SEARCHED_COLUMNS = ["prompt", "response", "model", "error", "request_id", "label"]
PREVIEW_CHARS = 120


def _matches(block: pd.DataFrame, needle: str) -> np.ndarray:
    hit = np.zeros(len(block), dtype=bool)
    for column in SEARCHED_COLUMNS:
        if column in block.columns:
            text = block[column].astype("string")
            hit |= np.asarray(text.str.contains(needle, case=False, regex=False).fillna(False), dtype=bool)
    return hit


def _newest_matches(frame: pd.DataFrame, texts: TextSource, needle: str, keep: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the newest rows (kept by `keep`) whose searched columns contain `needle`, at least `limit` of
    them when there are, walking back from the end of the log a chunk at a time."""
    if not needle:
        return np.flatnonzero(keep)[-limit:]
    held = [c for c in SEARCHED_COLUMNS if c in frame.columns]
    found: list[np.ndarray] = []
    count = 0
    for chunk in texts.chunks([c for c in SEARCHED_COLUMNS if c not in held]):
        positions = chunk.index.to_numpy()[keep[chunk.index.to_numpy()]]
        if not len(positions):
            continue
        block = chunk.loc[positions].assign(**{c: frame[c].to_numpy()[positions] for c in held})
        hits = positions[_matches(block, needle)]
        found.append(hits)
        count += len(hits)
        if count >= limit:
            break
    return np.sort(np.concatenate(found)) if found else np.array([], dtype=np.int64)


def recent_requests(
    frame: pd.DataFrame,
    query: str = "",
    limit: int = 500,
    among: pd.Index | None = None,
    texts: TextSource | None = None,
) -> pd.DataFrame:
    """The newest `limit` requests (of those labelled `among`, else all) whose prompt, response, model, error,
    id or label contains `query`, newest first, indexed by their position in the log.

    `frame` is the log, with or without its texts; `texts` reads those it lacks (see store/texts.py). Rows are
    appended in time order, so the search walks back from the end and its cost depends on how far back the
    matches lie, not on the length of the log."""
    keep = np.ones(len(frame), dtype=bool) if among is None or len(among) == len(frame) else frame.index.isin(among)
    texts = texts or FrameTexts(frame)
    positions = _newest_matches(frame, texts, query.strip(), keep, limit)
    rows = with_texts(frame, texts, positions, [*PREVIEW_COLUMNS, "prompt", "request_id"])
    rows = rows.sort_values("timestamp", ascending=False, kind="stable").head(limit)
    preview = rows[PREVIEW_COLUMNS].astype({"model": str, "status": str})
    preview["prompt"] = rows["prompt"].astype("string").fillna("").str.slice(0, PREVIEW_CHARS)
    preview["request_id"] = rows["request_id"]
    return preview
