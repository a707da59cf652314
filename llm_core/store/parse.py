"""Complete log rows (bytes) to a typed frame: Arrow parses blocks in parallel, damage is found and reported.

Rows end in CRLF and a carriage return never appears raw inside a cell (see cells.py), so
  - CRLF always ends a row: blocks can be cut there and parsed on their own;
  - a row the writer found cut off by a crash was closed with LF CRLF, and no whole row ends in a bare LF.
A row may have fewer fields than the columns, down to the schema's first version (it was written by an older
version): its fields map by position onto the columns, which only ever grow at the end.
Bytes that are not UTF-8 (another program edited the file) are read as U+FFFD, and the row is named in a note.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from ..errors import SwitchboardError
from .cells import decode_cells

ROW_END = b"\r\n"
TORN_END = b"\n\r\n"
BLOCK_SIZE = 1 << 23  # bytes per block parsed in parallel (cut at row ends)
PARALLEL_FROM_ROWS = 20_000  # rows from which columns are typed on several threads


class LogReadError(SwitchboardError):
    """A log file cannot be read at all (unreadable, or not a Switchboard log)."""


@dataclass(frozen=True)
class Schema:
    """The columns of one log file, in order, and how each is typed when read (the rest are text)."""

    columns: tuple[str, ...]
    first_width: int  # how many columns the first version wrote: a row with fewer fields is damaged
    timestamps: frozenset[str] = frozenset()
    floats: frozenset[str] = frozenset()
    ints: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()


@dataclass
class Chunk:
    """Rows parsed from one stretch of a file: the typed frame, how many rows it spanned, what was skipped and why."""

    frame: pd.DataFrame
    rows: int
    skipped: int = 0
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # rows read, but not exactly as stored, and why


def parse_rows(
    data: bytes,
    start: int,
    end: int,
    columns: tuple[str, ...],
    schema: Schema,
    name: str,
    first_row: int,
    keep: frozenset[str] | None = None,
) -> Chunk:
    """Typed rows from data[start:end], complete CRLF-ended rows; damaged ones are left out and reported.

    With `keep`, only those columns come back, and only they and the typed ones are converted: the other texts
    are tokenised but never copied. The typed columns are always checked, so the same rows survive whatever is
    kept; a stretch whose texts would read altered (bytes that are not UTF-8, a lone surrogate) is read whole,
    so its notes are the same too.
    """
    parsed = _parsed_columns(columns, schema, keep)
    if parsed is not None and _texts_may_read_altered(data, start, end):
        parsed = None
    try:
        table, invalid = _arrow_parse(data, start, end, columns, refuse_torn=True, include=parsed)
    except pa.ArrowInvalid:  # bytes that are not UTF-8: the row-by-row path finds and replaces them
        table, invalid = None, []
    if table is None or invalid:
        chunk = _parse_damaged(data[start:end], columns, schema, name, first_row, parsed)
    else:
        # Switchboard writes no blank lines (which Arrow passes over), so the n-th row parsed is the n-th in the file.
        typed = _typed_frame(table, schema, name, first_row + np.arange(table.num_rows))
        chunk = Chunk(typed.frame, table.num_rows, typed.skipped, typed.reasons, typed.notes)
    if keep is not None:
        chunk.frame = chunk.frame[[c for c in columns if c in keep]]
    return chunk


def typed_columns(schema: Schema) -> frozenset[str]:
    """The columns read as times or numbers: always converted, since a value that will not parse skips its row."""
    return schema.timestamps | schema.floats | schema.ints


def _parsed_columns(columns: tuple[str, ...], schema: Schema, keep: frozenset[str] | None) -> list[str] | None:
    if keep is None:
        return None
    wanted = keep | typed_columns(schema)
    return [c for c in columns if c in wanted]


def _bytes_value(data: bytes, start: int, end: int) -> pa.Array:
    """data[start:end] as one Arrow binary value, without a copy, for Arrow's kernels (which free the interpreter)."""
    offsets = pa.array([0, end - start], pa.int64()).buffers()[1]
    return pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data).slice(start, end - start)])


def count_rows(data: bytes, start: int, end: int) -> int:
    """How many rows data[start:end] holds: each ends in the only CRLF it has (see the module docstring)."""
    return pc.count_substring_regex(_bytes_value(data, start, end), r"\r\n")[0].as_py() if end > start else 0


def _holds_torn_row(data: bytes, start: int, end: int) -> bool:
    """True when data[start:end] holds a row a crash cut off (closed with LF CRLF), found by Arrow's RE2."""
    return pc.match_substring_regex(_bytes_value(data, start, end), r"\n\r\n")[0].as_py()


def _texts_may_read_altered(data: bytes, start: int, end: int) -> bool:
    """True when data[start:end] holds bytes that are not UTF-8 or a stored lone surrogate (see cells.py)."""
    value = _bytes_value(data, start, end)
    if pc.match_substring_regex(value, r"\\u[dD][89a-fA-F]")[0].as_py():
        return True
    try:
        value.cast(pa.large_string())  # checks the bytes are UTF-8, in place
    except pa.ArrowInvalid:
        return True
    return False


def _parse_damaged(
    data: bytes, columns: tuple[str, ...], schema: Schema, name: str, first_row: int, include: list[str] | None
) -> Chunk:
    """The slow path, row by row: leave out torn rows, pad rows written by older versions, skip the rest."""
    rows = data.split(ROW_END)[:-1]
    kept = [i for i, row in enumerate(rows) if row and not row.endswith(b"\n")]
    problems = [(i, "torn (a write was cut off by a crash)") for i, row in enumerate(rows) if row.endswith(b"\n")]
    remaining = ROW_END.join(rows[i] for i in kept) + ROW_END
    notes: list[str] = []
    try:
        _, invalid = _arrow_parse(remaining, 0, len(remaining), columns, block_size=len(remaining), include=include)
    except pa.ArrowInvalid:
        notes = _replace_bytes_that_are_not_utf8(rows, kept, name, first_row)
        remaining = ROW_END.join(rows[i] for i in kept) + ROW_END
        _, invalid = _arrow_parse(remaining, 0, len(remaining), columns, block_size=len(remaining), include=include)
    widest = len(columns)
    for number, width in invalid:
        index = kept[number - 1]  # one block, so numbers count the rows given, from 1
        if schema.first_width <= width < widest:
            rows[index] += b"," * (widest - width)
        else:
            problems.append((index, f"{width} fields where {schema.first_width} to {widest} were expected"))
    dropped = {index for index, _ in problems}
    survivors = [i for i in kept if i not in dropped]
    fixed = ROW_END.join(rows[i] for i in survivors) + ROW_END
    try:
        table, still_invalid = _arrow_parse(fixed, 0, len(fixed), columns, block_size=len(fixed), include=include)
    except pa.ArrowInvalid as e:
        raise LogReadError(f"Could not parse {name} from row {first_row}: {e}") from e
    gone = {number - 1 for number, _ in still_invalid}  # one block, so numbers count the rows given, from 1
    numbers = first_row + np.array([index for n, index in enumerate(survivors) if n not in gone], dtype=np.int64)
    if len(numbers) != table.num_rows:  # Arrow numbered the rows it refused otherwise: name no wrong row
        numbers = None
    typed = _typed_frame(table, schema, name, numbers)
    reasons = [f"{name} row {first_row + index}: {why}" for index, why in sorted(problems)]
    reasons += [f"{name}: {len(still_invalid)} rows that would not parse"] if still_invalid else []
    skipped = len(problems) + len(still_invalid) + typed.skipped
    return Chunk(typed.frame, len(rows), skipped, reasons + typed.reasons, notes + typed.notes)


def _utf8_or_replaced(raw: bytes) -> tuple[str, str]:
    """Bytes as UTF-8 text and "", or, when some are not UTF-8, the text with U+FFFD in their place and why."""
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError as e:
        return raw.decode("utf-8", errors="replace"), (
            f"a byte that is not UTF-8 (0x{raw[e.start]:02X}), shown as \ufffd: the program that saved the file"
            " used another encoding (Windows-1252, say); save it as UTF-8 to keep such characters"
        )


def _replace_bytes_that_are_not_utf8(rows: list[bytes], kept: list[int], name: str, first_row: int) -> list[str]:
    """Rows with U+FFFD for bytes that are not UTF-8 (in place), and a note naming each row changed."""
    notes = []
    for index in kept:
        text, why = _utf8_or_replaced(rows[index])
        if why:
            rows[index] = text.encode("utf-8")
            notes.append(f"{name} row {first_row + index}: {why}")
    return notes


def _arrow_parse(
    data: bytes,
    start: int,
    end: int,
    columns: tuple[str, ...],
    block_size: int | None = None,
    refuse_torn: bool = False,
    include: list[str] | None = None,
) -> tuple[pa.Table | None, list[tuple[int, int]]]:
    """Parse data[start:end] as text columns, blocks in parallel; rows of the wrong width come back as (number, width).

    Blocks are cut at CRLF, which only ever ends a row, so each parses on its own (numbers count within a block).
    With `refuse_torn`, the table is None when a block holds a torn row: each block is searched for one just
    before it is parsed, so one thread's search overlaps another's parse.
    """
    bounds = _block_bounds(data, start, end, block_size or BLOCK_SIZE)
    buffer = pa.py_buffer(data)
    invalid: list[tuple[int, int]] = []
    blocks = [buffer.slice(a, b - a) for a, b in zip(bounds, bounds[1:], strict=False)]

    def parse(block: pa.Buffer) -> pa.Table | None:
        if refuse_torn and _holds_torn_row(block, 0, block.size):
            return None
        return _parse_block(block, columns, invalid, include)

    if len(blocks) < 2:
        tables = [parse(blocks[0]) if blocks else _empty_table(include or columns)]
    else:
        with ThreadPoolExecutor(min(len(blocks), os.cpu_count() or 1)) as pool:
            tables = list(pool.map(parse, blocks))
    if any(table is None for table in tables):
        return None, invalid
    return (tables[0] if len(tables) == 1 else pa.concat_tables(tables)), invalid


def _block_bounds(data: bytes, start: int, end: int, block_size: int) -> list[int]:
    bounds = [start] if end > start else []
    while bounds and end - bounds[-1] > block_size:
        cut = data.find(ROW_END, bounds[-1] + block_size, end)
        if cut < 0 or cut + len(ROW_END) >= end:
            break
        bounds.append(cut + len(ROW_END))
    return bounds + [end] if bounds else []


def _parse_block(
    block: pa.Buffer, columns: tuple[str, ...], invalid: list[tuple[int, int]], include: list[str] | None
) -> pa.Table:
    def collect(row: pcsv.InvalidRow) -> str:
        invalid.append((row.number, row.actual_columns))
        return "skip"

    return pcsv.read_csv(
        pa.BufferReader(block),
        read_options=pcsv.ReadOptions(column_names=list(columns), use_threads=False, block_size=block.size + 1),
        parse_options=pcsv.ParseOptions(newlines_in_values=True, invalid_row_handler=collect),
        convert_options=pcsv.ConvertOptions(
            column_types={c: pa.string() for c in columns},
            include_columns=include,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )


@functools.cache
def _empty_typed(schema: Schema, columns: tuple[str, ...]) -> pd.DataFrame:
    return _typed_frame(_empty_table(columns), schema, "", np.array([], dtype=np.int64)).frame


def empty_frame(schema: Schema, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """A frame with no rows and the schema's columns and dtypes."""
    return _empty_typed(schema, columns or schema.columns).copy(deep=False)


def _empty_table(columns: tuple[str, ...]) -> pa.Table:
    return pa.table({c: pa.array([], pa.string()) for c in columns})


def _typed_frame(table: pa.Table, schema: Schema, file: str, numbers: np.ndarray | None) -> Chunk:
    """Arrow text columns to a typed frame; rows with a value that will not parse are skipped and reported.

    `numbers` are the rows' numbers in the file (None when not known), for the reports. Columns are converted on
    a few threads (Arrow's kernels release the interpreter); category columns are dictionary-encoded by Arrow, so
    pandas receives them as categoricals without a second pass.
    """
    names = table.column_names
    if table.num_rows < PARALLEL_FROM_ROWS:
        converted = [_typed_column(table[name], name, schema) for name in names]
    else:
        with ThreadPoolExecutor(min(len(names), os.cpu_count() or 1)) as pool:
            converted = list(pool.map(lambda name: _typed_column(table[name], name, schema), names))
    unreadable = np.zeros(table.num_rows, dtype=bool)
    reasons: list[str] = []
    notes: list[str] = []
    for name, (_, bad, marked) in zip(names, converted, strict=True):
        if bad is not None and bad.any():
            unreadable |= bad
            samples = ", ".join(repr(v) for v in pc.filter(table[name], pa.array(bad)).to_pylist()[:3])
            reasons.append(f"{_where(file, numbers, bad)}: an unreadable {name} ({samples})")
        if marked:
            notes.append(
                f"{_where(file, numbers, marked)}: {name} holds a lone surrogate (half of a UTF-16 pair, which is"
                " not text on its own); it is kept in the file and shown escaped, as \\udxxx"
            )
    typed = pa.table({name: values for name, (values, _, _) in zip(names, converted, strict=True)})
    if unreadable.any():
        typed = typed.filter(pa.array(~unreadable))
    frame = typed.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    for name in schema.categories & set(frame.columns):  # categories in sorted order, as pandas would make them
        categories = frame[name].cat.categories
        if not categories.is_monotonic_increasing:
            frame[name] = frame[name].cat.reorder_categories(categories.sort_values())
    return Chunk(frame, table.num_rows, int(unreadable.sum()), reasons, notes)


def _where(file: str, numbers: np.ndarray | None, which: np.ndarray | list[int]) -> str:
    """The rows picked by `which` for a report: "requests.csv row 3", "requests.csv rows 3, 9, 12 and 40 more"."""
    if numbers is None:
        count = int(np.count_nonzero(which)) if isinstance(which, np.ndarray) else len(which)
        return f"{file} ({count} {'row' if count == 1 else 'rows'})"
    picked = numbers[which]
    shown = ", ".join(str(n) for n in picked[:3])
    more = f" and {len(picked) - 3} more" if len(picked) > 3 else ""
    return f"{file} row {shown}" if len(picked) == 1 else f"{file} rows {shown}{more}"


def _typed_column(
    text: pa.ChunkedArray, name: str, schema: Schema
) -> tuple[pa.ChunkedArray, np.ndarray | None, list[int]]:
    """One column typed, which of its rows would not parse (None for text, which always does), and which text
    cells show a lone surrogate escaped."""
    target = target_type(name, schema)
    if target is not None:
        return *_convert(text, target), []
    decoded, marked = decode_cells(text)
    return (pc.dictionary_encode(decoded) if name in schema.categories else decoded), None, marked


def target_type(name: str, schema: Schema) -> pa.DataType | None:
    """The type a column is read as (a time, a float, an integer), or None for text."""
    if name in schema.timestamps:
        return pa.timestamp("us", tz="UTC")
    if name in schema.floats:
        return pa.float64()
    if name in schema.ints:
        return pa.int64()
    return None


def _convert(text: pa.ChunkedArray, target: pa.DataType) -> tuple[pa.Array, np.ndarray]:
    """Cast text to the target type; when some values will not parse, say which (as a mask)."""
    try:
        return pc.cast(text, target), np.zeros(len(text), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    series = pd.Series(text.to_pylist(), dtype=object)
    if pa.types.is_timestamp(target):
        parsed = pd.to_datetime(series, utc=True, format="ISO8601", errors="coerce")
    else:
        parsed = pd.to_numeric(series, errors="coerce")
        if pa.types.is_integer(target):
            parsed = parsed.where(parsed == parsed.round())
    bad = (series.notna() & parsed.isna()).to_numpy()
    return pa.array(parsed.where(~bad), target, from_pandas=True), bad


def append_frames(old: pd.DataFrame, new: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Append new rows to the cached frame, keeping category columns categorical (categories only ever grow)."""
    if new.empty:
        return old
    old, new = old.copy(deep=False), new.copy(deep=False)
    for name in schema.categories & set(old.columns):
        known = old[name].cat.categories
        unseen = new[name].cat.categories.difference(known)
        if len(unseen):  # rare: a new model or provider; recoding the old rows costs a pass over them
            known = known.append(unseen)
            old[name] = old[name].cat.add_categories(unseen)
        new[name] = new[name].cat.set_categories(known)
    return pd.concat([old, new], ignore_index=True)


def concat_frames(frames: list[pd.DataFrame], schema: Schema) -> pd.DataFrame:
    """Frames of consecutive stretches as one, with one set of categories per category column (in sorted order)."""
    frames = [frame for frame in frames if len(frame)] or frames[:1]
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    frames = [frame.copy(deep=False) for frame in frames]
    for name in schema.categories & set(frames[0].columns):
        known = frames[0][name].cat.categories
        for frame in frames[1:]:
            known = known.union(frame[name].cat.categories)
        for frame in frames:
            frame[name] = frame[name].cat.set_categories(known)
    return pd.concat(frames, ignore_index=True)
