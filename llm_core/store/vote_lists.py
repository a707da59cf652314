"""The votes log's list cells (`models`, `request_ids`: JSON lists of strings) decoded a column at a time.

A cell the app wrote, `["gpt-4.1", "claude"]`, is split by Arrow's string kernels without a Python call per
row; only a cell with an escape, a non-string item or another spelling goes through `json.loads`. The result is
an Arrow list column: each cell still reads as a Python list (`frame["models"][0] == ["a", "b"]`), and the
leaderboard can flatten the whole column at once.
"""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

LIST_OF_TEXT = pa.list_(pa.string())
_PLAIN = r'^\[\s*"[^"\\]*"(\s*,\s*"[^"\\]*")*\s*\]$'  # quoted items without escapes: split, no parsing needed
_EMPTY = r"^\[\s*\]$"
_BETWEEN = r'"\s*,\s*"'


def json_lists(cells: pd.Series) -> pd.Series:
    """Each cell's JSON list as a list of strings (items that are not strings as their text, null as ""); a cell
    that is not a JSON list is missing."""
    text = pc.cast(pa.array(cells.astype(object).where(cells.notna(), None), pa.string()), pa.string())
    plain = pc.fill_null(pc.match_substring_regex(text, _PLAIN), False)
    empty = pc.fill_null(pc.match_substring_regex(text, _EMPTY), False)
    inner = pc.utf8_trim(pc.utf8_trim_whitespace(text), "[]")
    inner = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(inner), 1, -1)  # drop the outer quotes
    split = pc.split_pattern_regex(inner, _BETWEEN)
    decoded = pc.if_else(
        empty, pa.scalar([], LIST_OF_TEXT), pc.if_else(plain, split, pa.nulls(len(text), LIST_OF_TEXT))
    )
    others = pc.invert(pc.or_(plain, empty)).to_numpy(zero_copy_only=False) & pc.is_valid(text).to_numpy(
        zero_copy_only=False
    )
    if others.any():
        decoded = _with_parsed(decoded, text, others)
    return pd.Series(pd.arrays.ArrowExtensionArray(decoded), index=cells.index, name=cells.name)


def _with_parsed(decoded: pa.Array, text: pa.Array, others) -> pa.Array:
    """`decoded` with the cells marked in `others` parsed by `json.loads` (the rare ones the fast path leaves)."""
    parsed: list[list[str] | None] = [None] * len(text)
    for index in others.nonzero()[0]:
        parsed[index] = _parsed(text[int(index)].as_py())
    return pc.if_else(pa.array(others), pa.array(parsed, LIST_OF_TEXT), decoded)


def _parsed(cell: str) -> list[str] | None:
    try:
        value = json.loads(cell)
    except json.JSONDecodeError:
        return None
    if not isinstance(value, list):
        return None
    return ["" if item is None else item if isinstance(item, str) else json.dumps(item) for item in value]
