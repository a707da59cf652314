"""The incremental log reader: a file is parsed once, then only the rows appended since.

A process-wide cache, keyed by resolved path, remembers for each file its identity (device, inode), how far it was
parsed, the bytes just before that point, and the frame so far. A refresh parses only the new complete rows (see
parse.py); a file that was replaced, truncated or rewritten in place is read again whole. Whatever follows the last
CRLF is an incomplete row, still being written or cut off by a crash: it is reported, and read once it is complete.
Extra trailing columns in a newer version's header are kept, as text. A file saved by another program (LF line
ends, a byte-order mark, UTF-16; see dialect.py) is turned into Switchboard's form in memory and read whole again
whenever it changes; rows read, but not exactly as stored, are named in the table's notes.
"""

from __future__ import annotations

import csv
import io
import itertools
import mmap
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .dialect import HEAD_BYTES, foreign_traits, to_canonical
from .parse import ROW_END, Chunk, LogReadError, Schema, append_frames, empty_frame, parse_rows

MAP_FROM_BYTES = 1 << 20  # files this large are memory-mapped rather than copied into memory
FINGERPRINT_BYTES = 4096  # the last row or more (unique ids, times), to notice a rewrite in place
MAX_REASONS = 100

__all__ = ["LogReadError", "Schema", "Table", "forget", "read_log"]


@dataclass
class Table:
    """A log read into a frame, with how many rows had to be skipped and why, and notes on rows read altered."""

    frame: pd.DataFrame
    skipped: int = 0
    skip_reasons: list[str] = field(default_factory=list)
    version: tuple = ()  # changes whenever the rows change: a key for caching what is derived from them
    notes: list[str] = field(default_factory=list)  # e.g. "requests.csv row 7: a byte that is not UTF-8 ..."


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


_generations = itertools.count(1)
_states: dict[str, _State] = {}
_path_locks: dict[str, threading.Lock] = {}
_registry_lock = threading.Lock()


def read_log(path: Path, schema: Schema) -> Table:
    """The whole log at path as a typed frame, parsing only what was appended since this process last read it."""
    key = str(path.resolve())
    with _lock_for(key):
        try:
            state = _refresh(Path(key), schema, _states.get(key))
        except OSError as e:
            raise LogReadError(f"Could not read the log {path}: {e.strerror or e}") from e
        if state is None:
            _states.pop(key, None)
            return Table(empty_frame(schema), version=("missing",))
        _states[key] = state
        return _as_table(state)


def forget(path: Path) -> None:
    """Drop what this process remembers about a log file (the next read parses it whole)."""
    _states.pop(str(path.resolve()), None)


def _lock_for(key: str) -> threading.Lock:
    with _registry_lock:
        return _path_locks.setdefault(key, threading.Lock())


def _as_table(state: _State) -> Table:
    reasons = list(state.reasons)
    if state.skipped > len(reasons):
        reasons.append(f"... and {state.skipped - len(reasons)} more skipped rows")
    if state.tail:
        reasons.append(state.tail)
    # A shallow copy: callers may add columns without touching the cache (pandas copies on write).
    version = (state.generation, state.offset)
    frame = state.frame.copy(deep=False)
    return Table(frame, state.skipped + bool(state.tail), reasons, version, list(state.notes))


def _refresh(path: Path, schema: Schema, state: _State | None) -> _State | None:
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below; fstat and read must see the same file
    except FileNotFoundError:
        return None
    with handle:
        stat = os.fstat(handle.fileno())
        identity = (stat.st_dev, stat.st_ino)
        if state is not None and _still_growing(handle, state, identity, stat.st_size):
            return _read_appended(handle, state, schema, stat.st_size)
        return _read_whole(handle, path, schema, identity)


def _still_growing(handle: io.BufferedReader, state: _State, identity: tuple[int, int], size: int) -> bool:
    """True when the file is the one parsed before, with rows only added since (else it is read whole)."""
    if identity != state.identity or not state.offset or size < state.offset:
        return False
    if state.foreign and size != state.offset:  # its rows were rewritten in memory: any change means a whole read
        return False
    handle.seek(state.offset - len(state.fingerprint))
    return handle.read(len(state.fingerprint)) == state.fingerprint


def _read_appended(handle: io.BufferedReader, state: _State, schema: Schema, size: int) -> _State:
    handle.seek(state.offset)
    data = handle.read(size - state.offset)
    name = Path(handle.name).name
    end = data.rfind(ROW_END) + len(ROW_END) if ROW_END in data else 0
    if end:
        chunk = parse_rows(data, 0, end, state.columns, schema, name, state.rows + 1)
        state.frame = append_frames(state.frame, chunk.frame, schema)
        _absorb(state, chunk, state.offset + end, data[max(end - FINGERPRINT_BYTES, 0) : end])
    state.tail = _tail_note(name, state.rows + 1, data[end:])
    return state


def _read_whole(handle: io.BufferedReader, path: Path, schema: Schema, identity: tuple[int, int]) -> _State:
    with _contents(handle) as data:
        return _parse_whole(data, path, schema, identity)


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


def _parse_whole(data: bytes | mmap.mmap, path: Path, schema: Schema, identity: tuple[int, int]) -> _State:
    traits = foreign_traits(data[:HEAD_BYTES])
    if not traits:
        return _parse_canonical(data, path, schema, identity)
    canonical, notes = to_canonical(data[:], path.name)
    state = _parse_canonical(canonical, path, schema, identity)
    state.offset, state.fingerprint, state.foreign = len(data), data[-FINGERPRINT_BYTES:], True
    state.notes[:0] = [
        f"{path.name} was saved by another program ({', '.join(traits)}): it reads as it is; the next row logged"
        f" rewrites it in Switchboard's form and keeps the original beside it, as {path.stem}.original-<time>.csv",
        *notes,
    ]
    return state


def _parse_canonical(data: bytes | mmap.mmap, path: Path, schema: Schema, identity: tuple[int, int]) -> _State:
    header_end = data.find(ROW_END)
    if header_end < 0:  # not even a whole header yet
        state = _State(identity, schema.columns, 0, b"", 0, empty_frame(schema))
        state.tail = _tail_note(path.name, 1, data)
        return state
    header = data[:header_end]
    columns = _columns_from_header(header, schema, path.name)
    end = data.rfind(ROW_END) + len(ROW_END)
    chunk = parse_rows(data, header_end + len(ROW_END), end, columns, schema, path.name, 2)
    state = _State(identity, columns, 0, b"", 1, chunk.frame)
    if header.endswith(b"\n"):
        state.skipped = 1
        state.reasons.append(f"{path.name} row 1: the header was cut off by a crash; assuming the current one")
    _absorb(state, chunk, end, data[max(end - FINGERPRINT_BYTES, 0) : end])
    state.tail = _tail_note(path.name, state.rows + 1, data[end:])
    return state


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
