"""The incremental log reader: a file is parsed once, then only the rows appended since; texts stay on disk.

A process-wide cache, keyed by resolved path and the columns asked for, remembers for each file its identity
(device, inode), how far it was parsed, the bytes just before that point, and the frame so far. A refresh parses
only the new complete rows (see parse.py); a file that was replaced, truncated or rewritten in place is read again
whole, a window of WINDOW_BYTES at a time, so memory holds the frame and one window, never the file.
Whatever follows the last CRLF is an incomplete row, still being written or cut off by a crash: it is reported,
and read once it is complete. Extra trailing columns in a newer version's header are kept, as text. A file saved
by another program (LF line ends, a byte-order mark, UTF-16; see dialect.py) is turned into Switchboard's form in
memory and read whole again whenever it changes; rows read, but not exactly as stored, are named in the notes.

A read may ask for some columns only (`keep`): the long texts (prompts, answers) are then never held. The state
remembers which stretch of bytes gave which rows, so a table's `texts` reads the texts of given rows, or scans
them stretch by stretch, newest first, by parsing those bytes again (see texts.py).
"""

from __future__ import annotations

import csv
import gc
import io
import itertools
import mmap
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .dialect import HEAD_BYTES, foreign_traits, to_canonical
from .parse import (
    ROW_END,
    Chunk,
    LogReadError,
    Schema,
    append_frames,
    concat_frames,
    count_rows,
    empty_frame,
    parse_rows,
)
from .texts import TextSource

MAP_FROM_BYTES = 1 << 20  # files this large are memory-mapped rather than copied into memory
WINDOW_BYTES = 1 << 24  # how much of a file is parsed at once (cut at a row end); its pages are let go after
MERGE_BELOW_BYTES = 1 << 22  # rows appended after a stretch this small join it, so the stretches stay few
PARSING_THREADS = 1  # windows parsed beside the one being cut (each parses its blocks on threads of its own)
FINGERPRINT_BYTES = 4096  # the last row or more (unique ids, times), to notice a rewrite in place
MAX_REASONS = 100

__all__ = ["LogReadError", "Schema", "Table", "forget", "read_log"]


@dataclass
class Table:
    """A log read into a frame, with how many rows had to be skipped and why, and notes on rows read altered."""

    frame: pd.DataFrame
    skipped: int = 0
    skip_reasons: list[str] = field(default_factory=list)
    version: tuple = ()  # changes whenever the rows change: a key for caching what is derived from them;
    # all but its last item stay the same while rows are only appended (see only_appended)
    notes: list[str] = field(default_factory=list)  # e.g. "requests.csv row 7: a byte that is not UTF-8 ..."
    texts: TextSource | None = None  # the columns left out of `frame`, for given rows (None: the frame has them)


@dataclass(frozen=True)
class _Stretch:
    """Whole rows at bytes [start, end) of the file (of its parsed form, for a foreign file) gave `rows` rows of
    the frame, the first of them numbered `first_row` in the file."""

    start: int
    end: int
    rows: int
    first_row: int


@dataclass
class _State:
    identity: tuple[int, int]
    columns: tuple[str, ...]
    offset: int  # end of the last complete row parsed
    fingerprint: bytes  # the bytes just before offset, to notice a file rewritten in place
    rows: int  # complete rows so far, the header included
    frame: pd.DataFrame
    skipped: int = 0
    reasons: list[str] = field(default_factory=list)
    tail: str = ""  # why the incomplete last row was left out, if there is one
    notes: list[str] = field(default_factory=list)
    foreign: bool = False  # saved by another program: offset and fingerprint are the file's, not the parsed form's
    generation: int = field(default_factory=lambda: next(_generations))  # a new one for every whole read
    stretches: list[_Stretch] = field(default_factory=list)


COLLECT_FROM_ROWS = 100_000  # a frame this large or larger is worth a full garbage collection before a new copy
_generations = itertools.count(1)
_states: dict[tuple[str, frozenset[str] | None], _State] = {}
_path_locks: dict[str, threading.Lock] = {}
_registry_lock = threading.Lock()


def only_appended(before: tuple, after: tuple) -> bool:
    """True when a table read with version `after` holds the rows it held at version `before`, then maybe more."""
    return bool(before) and before[:-1] == after[:-1] and after[-1] >= before[-1]


def read_log(path: Path, schema: Schema, keep: frozenset[str] | None = None) -> Table:
    """The log at path as a typed frame (only the `keep` columns, when given), parsing only what was appended
    since this process last read it."""
    key = str(path.resolve())
    with _lock_for(key):
        try:
            state = _refresh(Path(key), schema, _states.get((key, keep)), keep)
        except OSError as e:
            raise LogReadError(f"Could not read the log {path}: {e.strerror or e}") from e
        if state is None:
            _states.pop((key, keep), None)
            return Table(_projected(empty_frame(schema), keep), version=("missing",))
        _states[key, keep] = state
        return _as_table(state, Path(key), schema, keep)


def forget(path: Path) -> None:
    """Drop what this process remembers about a log file (the next read parses it whole)."""
    key = str(path.resolve())
    for known in [k for k in _states if k[0] == key]:
        _states.pop(known, None)


def _projected(frame: pd.DataFrame, keep: frozenset[str] | None) -> pd.DataFrame:
    return frame if keep is None else frame[[c for c in frame.columns if c in keep]]


def _lock_for(key: str) -> threading.Lock:
    with _registry_lock:
        return _path_locks.setdefault(key, threading.Lock())


def _as_table(state: _State, path: Path, schema: Schema, keep: frozenset[str] | None) -> Table:
    reasons = list(state.reasons)
    if state.skipped > len(reasons):
        reasons.append(f"... and {state.skipped - len(reasons)} more skipped rows")
    if state.tail:
        reasons.append(state.tail)
    # A shallow copy: callers may add columns without touching the cache (pandas copies on write).
    version = (state.generation, state.offset)
    frame = state.frame.copy(deep=False)
    texts = None if keep is None else FileTexts(path, schema, state)
    return Table(frame, state.skipped + bool(state.tail), reasons, version, list(state.notes), texts)


def _refresh(path: Path, schema: Schema, state: _State | None, keep: frozenset[str] | None) -> _State | None:
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below; fstat and read must see the same file
    except FileNotFoundError:
        return None
    with handle:
        stat = os.fstat(handle.fileno())
        identity = (stat.st_dev, stat.st_ino)
        if state is not None and _still_growing(handle, state, identity, stat.st_size):
            return _read_appended(handle, state, schema, stat.st_size, keep)
        return _read_whole(handle, path, schema, identity, keep)


def _still_growing(handle: io.BufferedReader, state: _State, identity: tuple[int, int], size: int) -> bool:
    """True when the file is the one parsed before, with rows only added since (else it is read whole)."""
    if identity != state.identity or not state.offset or size < state.offset:
        return False
    if state.foreign and size != state.offset:  # its rows were rewritten in memory: any change means a whole read
        return False
    handle.seek(state.offset - len(state.fingerprint))
    return handle.read(len(state.fingerprint)) == state.fingerprint


def _read_appended(
    handle: io.BufferedReader, state: _State, schema: Schema, size: int, keep: frozenset[str] | None
) -> _State:
    handle.seek(state.offset)
    data = handle.read(size - state.offset)
    name = Path(handle.name).name
    end = data.rfind(ROW_END) + len(ROW_END) if ROW_END in data else 0
    if end:
        chunk = parse_rows(data, 0, end, state.columns, schema, name, state.rows + 1, keep)
        release_old_copies(len(state.frame))
        state.frame = append_frames(state.frame, chunk.frame, schema)
        _add_stretch(state, _Stretch(state.offset, state.offset + end, len(chunk.frame), state.rows + 1))
        _absorb(state, chunk, state.offset + end, data[max(end - FINGERPRINT_BYTES, 0) : end])
    state.tail = _tail_note(name, state.rows + 1, data[end:])
    return state


def _add_stretch(state: _State, stretch: _Stretch) -> None:
    """Remember which bytes gave which rows; rows appended after a small stretch join it (rows parse alone)."""
    last = state.stretches[-1] if state.stretches else None
    if last is not None and last.end == stretch.start and last.end - last.start < MERGE_BELOW_BYTES:
        stretch = _Stretch(last.start, stretch.end, last.rows + stretch.rows, last.first_row)
        state.stretches[-1] = stretch
    else:
        state.stretches.append(stretch)


def release_old_copies(rows: int) -> None:
    """Before a log's frame of `rows` rows is made anew (rows were added), collect the reference cycles that may
    still hold older copies of it, so that two copies of a large log seldom add up.

    Each run of a Streamlit page leaves its module's namespace in a cycle (its functions point back at it), and
    with it every frame the run used; only the collector's rare full pass frees them, so at a million requests five
    new rows left 1.8 GB resident instead of 1.2. A full pass costs a few milliseconds in the app; below
    COLLECT_FROM_ROWS rows the copies are too small to be worth it."""
    if rows >= COLLECT_FROM_ROWS:
        gc.collect()


def _read_whole(
    handle: io.BufferedReader, path: Path, schema: Schema, identity: tuple[int, int], keep: frozenset[str] | None
) -> _State:
    with _contents(handle) as data:
        return _parse_whole(data, path, schema, identity, keep)


@contextmanager
def _contents(handle: io.BufferedReader) -> Iterator[bytes | mmap.mmap]:
    """The whole file: memory-mapped when large, so the parser reads the page cache without a copy.

    The log only ever grows, so the mapped length stays valid; a tool that truncated it in place during the
    read would make the process fault (SIGBUS). The README says to rotate logs by moving them aside.
    """
    if os.fstat(handle.fileno()).st_size < MAP_FROM_BYTES:
        handle.seek(0)
        yield handle.read()
        return
    mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        yield mapped
    finally:
        with suppress(BufferError):  # a failed parse's traceback still holds a view: it is closed when collected
            mapped.close()


def _parse_whole(
    data: bytes | mmap.mmap, path: Path, schema: Schema, identity: tuple[int, int], keep: frozenset[str] | None
) -> _State:
    traits = foreign_traits(data[:HEAD_BYTES])
    if not traits:
        return _parse_canonical(data, path, schema, identity, keep)
    canonical, notes = to_canonical(data[:], path.name)
    state = _parse_canonical(canonical, path, schema, identity, keep)
    state.offset, state.fingerprint, state.foreign = len(data), data[-FINGERPRINT_BYTES:], True
    state.notes[:0] = [
        f"{path.name} was saved by another program ({', '.join(traits)}): it reads as it is; the next row logged"
        f" rewrites it in Switchboard's form and keeps the original beside it, as {path.stem}.original-<time>.csv",
        *notes,
    ]
    return state


def _windows(data: bytes | mmap.mmap, start: int, end: int) -> list[tuple[int, int]]:
    """data[start:end] (whole rows) cut at row ends into windows of about WINDOW_BYTES."""
    bounds = []
    while end - start > WINDOW_BYTES:
        cut = data.find(ROW_END, start + WINDOW_BYTES, end)
        if cut < 0 or cut + len(ROW_END) >= end:
            break
        bounds.append((start, cut + len(ROW_END)))
        start = cut + len(ROW_END)
    return bounds + [(start, end)] if end > start else bounds


def _parse_canonical(
    data: bytes | mmap.mmap, path: Path, schema: Schema, identity: tuple[int, int], keep: frozenset[str] | None
) -> _State:
    header_end = data.find(ROW_END)
    if header_end < 0:  # not even a whole header yet
        state = _State(identity, schema.columns, 0, b"", 0, _projected(empty_frame(schema), keep))
        state.tail = _tail_note(path.name, 1, data)
        return state
    header = data[:header_end]
    columns = _columns_from_header(header, schema, path.name)
    start = header_end + len(ROW_END)
    end = max(data.rfind(ROW_END) + len(ROW_END), start)
    state = _State(identity, columns, start, b"", 1, _projected(empty_frame(schema, columns), keep))
    if header.endswith(b"\n"):
        state.skipped = 1
        state.reasons.append(f"{path.name} row 1: the header was cut off by a crash; assuming the current one")
    frames = []
    for (a, b), chunk in _parsed_windows(data, _windows(data, start, end), columns, schema, path, keep):
        frames.append(chunk.frame)
        state.stretches.append(_Stretch(a, b, len(chunk.frame), state.rows + 1))
        _absorb(state, chunk, b, b"")
    state.fingerprint = bytes(data[max(end - FINGERPRINT_BYTES, 0) : end])
    if frames:
        state.frame = concat_frames(frames, schema)
    state.tail = _tail_note(path.name, state.rows + 1, data[end:])
    return state


def _parsed_windows(
    data: bytes | mmap.mmap, windows: list[tuple[int, int]], columns: tuple[str, ...], schema: Schema, path: Path,
    keep: frozenset[str] | None,
) -> Iterator[tuple[tuple[int, int], Chunk]]:  # fmt: skip
    """Each window with its rows parsed, a few at once on as many threads; a mapped window's pages are let go
    once parsed, so the process holds one window or two of the file, never all of it.

    A window's first row number is known before the windows ahead of it are parsed: each row ends in the only
    CRLF it holds, so counting them (in Arrow, off the interpreter) counts the rows."""
    with ThreadPoolExecutor(PARSING_THREADS) as pool:
        pending: list[tuple[tuple[int, int], Future]] = []
        first_row = 2  # the header is row 1
        for a, b in windows:
            pending.append(((a, b), pool.submit(parse_rows, data, a, b, columns, schema, path.name, first_row, keep)))
            first_row += count_rows(data, a, b) if len(windows) > 1 else 0
            if len(pending) > PARSING_THREADS:
                yield _done(data, *pending.pop(0))
        for window, task in pending:
            yield _done(data, window, task)


def _done(data: bytes | mmap.mmap, window: tuple[int, int], task: Future) -> tuple[tuple[int, int], Chunk]:
    chunk = task.result()
    if isinstance(data, mmap.mmap):
        start = window[0] - window[0] % mmap.PAGESIZE
        data.madvise(mmap.MADV_DONTNEED, start, window[1] - start)
    return window, chunk


def _absorb(state: _State, chunk: Chunk, offset: int, fingerprint: bytes) -> None:
    state.offset = offset
    state.fingerprint = fingerprint
    state.rows += chunk.rows
    state.skipped += chunk.skipped
    state.reasons.extend(chunk.reasons[: max(MAX_REASONS - len(state.reasons), 0)])
    state.notes.extend(chunk.notes[: max(MAX_REASONS - len(state.notes), 0)])


def _tail_note(name: str, row: int, tail: bytes) -> str:
    if not tail:
        return ""
    return f"{name} row {row}: incomplete ({len(tail)} bytes, still being written or cut off by a crash)"


def _columns_from_header(header: bytes, schema: Schema, name: str) -> tuple[str, ...]:
    if header.endswith(b"\n"):
        return schema.columns
    found = tuple(next(csv.reader([header.decode("utf-8", errors="replace")]), []))
    common = min(len(found), len(schema.columns))
    if found[:common] != schema.columns[:common]:
        raise LogReadError(
            f"{name} is not a Switchboard log: its header starts {', '.join(found[:3])}, "
            f"expected {', '.join(schema.columns[:3])}. Move it aside and Switchboard will start a new one."
        )
    return found if len(found) > len(schema.columns) else schema.columns


class FileTexts(TextSource):
    """The columns a read left out, for given rows of its frame, parsed again from the bytes that held them."""

    def __init__(self, path: Path, schema: Schema, state: _State):
        self.path, self.schema = path, schema
        self.identity, self.columns, self.foreign = state.identity, state.columns, state.foreign
        self.stretches = list(state.stretches)  # rows are only appended: these bytes keep giving these rows
        self.starts = np.cumsum([0] + [s.rows for s in self.stretches])

    def _parsed(self, stretch: _Stretch, data: bytes, columns: list[str]) -> pd.DataFrame:
        wanted = frozenset(c for c in columns if c in self.columns)
        chunk = parse_rows(data, 0, len(data), self.columns, self.schema, self.path.name, stretch.first_row, wanted)
        if len(chunk.frame) != stretch.rows:
            raise LogReadError(f"{self.path.name} changed while it was read: reload the page to read it again.")
        return chunk.frame.reindex(columns=columns)

    def _stretch_bytes(self, indexes: list[int]) -> Iterator[tuple[int, _Stretch, bytes]]:
        """The stretches at `indexes`, in that order, with their bytes, from the file that was read."""
        try:
            with open(self.path, "rb") as handle:
                stat = os.fstat(handle.fileno())
                if (stat.st_dev, stat.st_ino) != self.identity:
                    raise LogReadError(f"{self.path.name} was replaced: reload the page to read it again.")
                canonical = to_canonical(handle.read(), self.path.name)[0] if self.foreign else None
                for index in indexes:
                    stretch = self.stretches[index]
                    if canonical is not None:
                        yield index, stretch, canonical[stretch.start : stretch.end]
                        continue
                    handle.seek(stretch.start)
                    yield index, stretch, handle.read(stretch.end - stretch.start)
        except OSError as e:
            raise LogReadError(f"Could not read the log {self.path}: {e.strerror or e}") from e

    def _frames(self, indexes: list[int], columns: list[str]) -> Iterator[pd.DataFrame]:
        for index, stretch, data in self._stretch_bytes(indexes):
            frame = self._parsed(stretch, data, columns)
            frame.index = pd.RangeIndex(self.starts[index], self.starts[index + 1])
            yield frame

    def rows(self, positions: np.ndarray, columns: list[str]) -> pd.DataFrame:
        """`columns` of the rows at `positions` of the frame read, indexed by position."""
        positions = np.asarray(positions, dtype=np.int64)
        needed = np.unique(np.searchsorted(self.starts, positions, side="right") - 1)
        needed = [int(i) for i in needed if 0 <= i < len(self.stretches)]
        parts = [
            frame.loc[positions[(positions >= frame.index.start) & (positions < frame.index.stop)]]
            for frame in self._frames(needed, columns)
        ]
        found = pd.concat(parts) if parts else pd.DataFrame(columns=columns)
        return found.reindex(positions)

    def chunks(self, columns: list[str]) -> Iterator[pd.DataFrame]:
        """`columns` of every row, a stretch at a time, newest first, each indexed by position."""
        yield from self._frames(list(range(len(self.stretches) - 1, -1, -1)), columns)
