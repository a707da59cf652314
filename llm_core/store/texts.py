"""Where a table read without its long texts finds them: the texts of given rows, or all of them a chunk at a time.

A log read for the numbers (`read_requests(columns=...)`) leaves the prompts and answers on disk or in the
database; its table's `texts` is a `TextSource` that reads them back for the rows a page shows, or scans them,
newest first, for a search, without keeping them. Rows are named by their position in the table's frame, which is
also its index (a RangeIndex). `FrameTexts` serves a frame that holds its texts already.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SCAN_ROWS = 20_000  # rows per chunk when a frame in memory is scanned


class TextSource:
    """The columns a read left out, for given rows of its frame or for all of them a chunk at a time."""

    def rows(self, positions: np.ndarray, columns: list[str]) -> pd.DataFrame:
        """`columns` of the rows at `positions`, in that order, indexed by position."""
        raise NotImplementedError

    def chunks(self, columns: list[str]) -> Iterator[pd.DataFrame]:
        """`columns` of every row, a chunk at a time, newest (last) rows first, each chunk indexed by position."""
        raise NotImplementedError


class FrameTexts(TextSource):
    """A frame that holds its texts: rows and chunks are slices of it."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def _columns(self, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        return frame.reindex(columns=columns).set_axis(frame.index)

    def rows(self, positions: np.ndarray, columns: list[str]) -> pd.DataFrame:
        """`columns` of the rows at `positions`, in that order, indexed by position."""
        positions = np.asarray(positions, dtype=np.int64)
        return self._columns(self.frame.iloc[positions], columns).set_axis(pd.Index(positions))

    def chunks(self, columns: list[str]) -> Iterator[pd.DataFrame]:
        """`columns` of every row, SCAN_ROWS at a time, newest first."""
        for end in range(len(self.frame), 0, -SCAN_ROWS):
            start = max(0, end - SCAN_ROWS)
            yield self._columns(self.frame.iloc[start:end], columns).set_axis(pd.RangeIndex(start, end))


def with_texts(
    frame: pd.DataFrame, texts: TextSource | None, positions: np.ndarray, columns: list[str]
) -> pd.DataFrame:
    """`columns` of the rows at `positions`: those `frame` holds from it, the others from `texts`."""
    positions = np.asarray(positions, dtype=np.int64)
    held = frame.iloc[positions] if len(frame) else frame
    missing = [c for c in columns if c not in frame.columns]
    if missing and texts is None:
        texts = FrameTexts(frame)
    found = texts.rows(positions, missing) if missing else None
    arrays = {c: held[c].array if c in frame.columns else found[c].array for c in columns}
    return pd.DataFrame(arrays, index=pd.Index(positions))


def last_rows(frame: pd.DataFrame, wanted: pd.Series | np.ndarray | None = None) -> pd.DataFrame:
    """Each request id of `frame` (only those in `wanted` when given) with the position of its last row, in the
    order of the rows, so rows near each other are read together."""
    ids = frame["request_id"]
    present = np.asarray(ids.notna() & (ids.astype(str) != ""), dtype=bool)
    table = pd.DataFrame({"request_id": ids[present].astype(str).to_numpy(), "position": np.flatnonzero(present)})
    table = table.drop_duplicates("request_id", keep="last")
    if wanted is not None:  # Arrow's hash lookup: pandas' isin on Arrow strings goes one string at a time
        ids = pa.array(table["request_id"].to_numpy(dtype=object), pa.string())
        values = pa.array(pd.Series(wanted).dropna().astype(str).unique(), pa.string())
        table = table[np.asarray(pc.is_in(ids, value_set=values).to_numpy(zero_copy_only=False), dtype=bool)]
    return table.sort_values("position", ignore_index=True)


def texts_of(
    frame: pd.DataFrame, texts: TextSource | None, positions: np.ndarray, column: str, batch: int
) -> Iterator[tuple[np.ndarray, pd.Series]]:
    """`column` of the rows at `positions` (ascending, unique), a piece at a time, for a caller that keeps only
    what it measures in them: each piece's indices into `positions` and its texts.

    When `frame` was read without the column and most of its rows are wanted, one pass over all of `texts` reads
    each stretch once, where looking rows up `batch` at a time would read the same stretch again for every batch."""
    positions = np.asarray(positions, dtype=np.int64)
    if texts is not None and column not in frame and 2 * len(positions) >= len(frame):
        wanted_at = np.full(len(frame), -1)
        wanted_at[positions] = np.arange(len(positions))
        for chunk in texts.chunks([column]):
            found = wanted_at[chunk.index.to_numpy()]
            picked = found >= 0
            if picked.any():
                yield found[picked], chunk[column][picked]
        return
    for start in range(0, len(positions), batch):
        piece = positions[start : start + batch]
        yield np.arange(start, start + len(piece)), with_texts(frame, texts, piece, [column])[column]
