"""How one cell of text is written to a log file or a download so it round-trips and never runs as a formula.

Log cells (``encode_cell`` / ``decode_cell``): line feeds stay as they are inside a quoted cell, so the file
opens as ordinary CSV; but a carriage return never appears raw, so ``\\r\\n`` always ends a row and nothing else.
  - Text with a carriage return or a lone surrogate (which UTF-8 cannot hold), or starting with a backslash, is
    flagged with a leading backslash and escaped (``\\`` as ``\\\\``, CR as ``\\r``, U+DFFF as ``\\udfff``).
  - Text a spreadsheet would run (starting with = + - @ tab or CR), or starting with ``'``, gets one leading ``'``.
  - Everything else is stored as it is. Reading strips exactly one ``'``, or undoes the flag, so text round-trips.
    A cell that starts with a backslash but is not in the flagged form (another program wrote it) is kept as it is.
Downloads (``to_safe_csv``) keep every character as it is and only add the ``'``, with the same rule.
"""

from __future__ import annotations

import json
import math
import numbers
import re
from collections.abc import Iterable
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
FLAG = "\\"
ROW_END = "\r\n"
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPE = re.compile(r"\\(\\|r|u[dD][89a-fA-F][0-9a-fA-F]{2})")  # what encode_cell writes after a backslash

Cell = str | int | float | None


def needs_guard(text: str) -> bool:
    """True when a spreadsheet would treat the text as a formula, or it already starts with the guard."""
    return text.startswith(FORMULA_STARTS) or text.startswith(GUARD)


def has_lone_surrogate(text: str) -> bool:
    """True when the text holds half of a UTF-16 surrogate pair, which UTF-8 (and so Arrow, pandas) cannot hold."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def escape_lone_surrogates(text: str) -> str:
    """The text with each lone surrogate written as its escape, ``\\udfff``."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def encode_cell(text: str) -> str:
    """The stored form of one text cell: single-line-safe and formula-safe (see the module docstring)."""
    if "\r" in text or text.startswith(FLAG) or has_lone_surrogate(text):
        return FLAG + escape_lone_surrogates(text.replace("\\", "\\\\").replace("\r", "\\r"))
    return GUARD + text if needs_guard(text) else text


def decode_cell(cell: str) -> str:
    """The original text of one stored cell: the inverse of ``encode_cell``."""
    if cell.startswith(GUARD):
        return cell[1:]
    if cell.startswith(FLAG):
        # One left-to-right pass keeps "\\\\r" (an escaped backslash, then r) apart from "\\r" (a carriage return).
        decoded = _ESCAPE.sub(_unescape, cell[1:])
        return decoded if encode_cell(decoded) == cell else cell  # not our flagged form: another program's text
    return cell


def _unescape(match: re.Match[str]) -> str:
    code = match[1]
    return "\\" if code == "\\" else "\r" if code == "r" else chr(int(code[1:], 16))


def decode_cells(column: pa.ChunkedArray | pa.Array) -> tuple[pa.ChunkedArray | pa.Array, list[int]]:
    """``decode_cell`` over a whole Arrow string column, vectorised for the common cases (whole-column passes).

    Arrow text cannot hold a lone surrogate, so one stays escaped (``\\udfff``); the second value lists the
    positions of the cells where that happened.
    """
    if column.null_count:
        column = pc.fill_null(column, "")
    flagged = pc.starts_with(column, FLAG)  # before the guard is stripped: the stored form says which rule applies
    guarded = pc.starts_with(column, GUARD)
    if pc.any(guarded).as_py():
        column = pc.if_else(guarded, pc.utf8_slice_codeunits(column, 1), column)
    if not pc.any(flagged).as_py():
        return column, []
    # The rare cells with a carriage return, a lone surrogate or a leading backslash, decoded one by one.
    chunked = isinstance(column, pa.ChunkedArray)
    cells = column.combine_chunks() if chunked else column
    mask = flagged.combine_chunks() if chunked else flagged
    decoded = [decode_cell(cell) for cell in pc.filter(cells, mask).to_pylist()]
    marked = [i for i, text in enumerate(decoded) if has_lone_surrogate(text)]
    for i in marked:
        decoded[i] = escape_lone_surrogates(decoded[i])
    cells = pc.replace_with_mask(cells, mask, pa.array(decoded, cells.type))
    positions = np.flatnonzero(mask.to_numpy(zero_copy_only=False))[marked].tolist() if marked else []
    return (pa.chunked_array([cells]) if chunked else cells), positions


def quote_cell(text: str) -> str:
    """A cell in double quotes, its own double quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


def format_number(value: int | float | None) -> str:
    """A number as a CSV cell: exact, unquoted, empty for None or NaN."""
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return "" if math.isnan(value) else repr(float(value))
    if value is None:
        return ""
    raise TypeError(f"expected a number or None, got {type(value).__name__}: {value!r}")


def format_row(cells: Iterable[Cell]) -> str:
    """One log row, ending in CRLF: text cells encoded and quoted, numbers bare."""
    return ",".join(quote_cell(encode_cell(c)) if isinstance(c, str) else format_number(c) for c in cells) + ROW_END


def format_header(columns: Iterable[str]) -> str:
    """The header row of a log file."""
    return ",".join(columns) + ROW_END


def neutralise(value: object) -> object:
    """A value made safe for a spreadsheet cell: text that could run as a formula gets a leading ``'``."""
    if isinstance(value, list | tuple | dict):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and needs_guard(value):
        return GUARD + value
    return value


def _blank_if_missing(value: object) -> object:
    if isinstance(value, list | tuple | dict):
        return value
    return "" if pd.isna(value) else value


def _safe_column(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.map(lambda v: "" if pd.isna(v) else v.isoformat())
    if pd.api.types.is_numeric_dtype(series):
        return series
    return series.astype(object).map(_blank_if_missing).map(neutralise)


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """A CSV download (UTF-8 with BOM, for spreadsheets) where no cell can run as a formula.

    Text keeps every character; a cell that starts with = + - @ tab, CR or ``'`` gets one leading ``'``,
    so stripping one ``'`` from such a cell gives the original back.
    """
    columns = [_safe_column(frame.iloc[:, i]) for i in range(frame.shape[1])]
    safe = pd.concat(columns, axis=1) if columns else pd.DataFrame(index=frame.index)
    safe.columns = [neutralise(str(name)) for name in frame.columns]
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def utc_iso(moment: datetime) -> str:
    """A timestamp as ISO 8601 in UTC (naive times are taken to be UTC already)."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")
