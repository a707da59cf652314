"""The database log store: the same logs as the CSV store, in SQLite or PostgreSQL, through SQLAlchemy Core.

`DatabaseStore` is a `LogStore` whose three logs (requests, ratings, votes) are tables (see tables.py), so it has
the same interface and the same rules: rows are built and checked by the CSV store's own code, then typed
as the CSV reader types them and inserted, one transaction per row (a single INSERT in autocommit: one round trip),
retried on a transient error (a locked SQLite file, a connection the server dropped). A failed write is a
`LogWriteError` with a message that says what to do, and never holds the database password. Reading is
incremental, as with CSV: rows added since the last read are fetched by row id, as Arrow columns (fetch.py).
  - SQLite runs in WAL mode with a busy timeout, so the app, the CLI and the API can write to one file at once,
    and synchronous=NORMAL: a commit is not flushed to the disk on its own but with the WAL's next checkpoint, so
    a row survives the app or the process crashing, and only a power cut or an OS crash can lose the last few.
    (FULL flushes every commit and caps four writers at about a thousand rows/s on this project's machines.)
  - PostgreSQL goes through a pooled engine on psycopg 3; `postgresql://` and `postgres://` URLs mean psycopg.
    Pooled connections are not pinged before use (a round trip per statement): a dropped one fails and is retried.
Logs other than these three (added by later versions) stay CSV files in the log folder until they get a table.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
import tenacity
from sqlalchemy import exc as sa_errors

from ..redact import redact
from .backend import DATABASE_URL_VARIABLE, register_url_password
from .cells import Cell, escape_lone_surrogates, format_number, has_lone_surrogate
from .csv_store import LogStore, LogWriteError, forget_derived_frames
from .fetch import fetch_arrow
from .parse import LogReadError, append_frames, empty_frame, target_type
from .read import Schema, Table, release_old_copies
from .tables import ROW_ID, SCHEMAS, TABLES, migrate
from .texts import SCAN_ROWS, TextSource

SQLITE_BUSY_TIMEOUT_MS = 10_000  # how long a writer waits for another's lock before the retry counts it as failed
WRITE_ATTEMPTS = 4
POOL_SIZE = 5
POOL_RECYCLE_S = 240  # a pooled connection older than this is replaced (hosted servers drop idle ones after ~5 min)
OPEN_RETRY_AFTER_S = 15.0  # how long a database that would not open is left alone before it is tried again
CONNECT_TIMEOUT_S = 10  # a server that does not answer costs a warning after this long, not a hung page
READER_ROWS = 50_000  # a SQLite read of more rows than this is read by ADBC in a process of its own (fetch.py)
SPLIT_ROWS = 50_000  # a SQLite read of more rows than this is split between processes, one per core (up to 4)
READ_PROCESSES = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)

_engines: dict[str, sa.Engine] = {}
_open_failures: dict[str, tuple[float, str]] = {}  # URL → (when, why) it last could not be opened
_engines_lock = threading.Lock()


class DatabaseStore(LogStore):
    """The logs as tables in the database at `url` (any SQLAlchemy URL: sqlite:///..., postgresql://...)."""

    def __init__(self, url: str, *, directory: str | Path | None = None, fsync: bool = True):
        super().__init__(directory, fsync=fsync)  # the folder keeps any log that has no table yet
        register_url_password(url)
        self._url = url  # opened on first use: a database that is down costs a warning, never an answer

    @property
    def url(self) -> sa.URL:
        """The URL as SQLAlchemy reads it (LogWriteError naming the setting when it is not one)."""
        return database_url(self._url)

    @property
    def engine(self) -> sa.Engine:
        """The process's pooled engine for this database, its schema migrated (LogWriteError if it cannot open)."""
        return engine_for(self.url)

    @property
    def kind(self) -> str:
        """Which database, as Settings and the CLI name it: "SQLite" or "PostgreSQL"."""
        try:
            url = self.url
        except LogWriteError:
            return "database"
        return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(url.get_backend_name(), url.drivername)

    @property
    def location(self) -> str:
        """The database URL with its password hidden."""
        try:
            return shown_url(self.url)
        except LogWriteError:
            return f"{DATABASE_URL_VARIABLE} (not a database URL)"

    def problem(self) -> str:
        """Why the database cannot be used now (in words, no password), or "" when it opens."""
        try:
            engine_for(self.url)
        except LogWriteError as e:
            return str(e)
        return ""

    def table_signature(self, name: str) -> tuple:
        """A cache key that changes whenever rows are added to one log table (or its first or last rows removed)."""
        return (self.location, name, *self.row_id_span(name))

    def row_id_span(self, name: str) -> tuple[int, int]:
        """The first and last row ids of one log table ((0, 0) when empty), two index lookups in one query.

        Not a count, which reads the whole table (a third of a second at a million rows in SQLite): rows are only
        ever appended, so new rows move the last id, and rows removed from either end (an old stretch archived)
        move the first or the last; a row deleted from the middle by hand shows only after a restart."""
        ids = TABLES[name].c[ROW_ID]
        first, last = (sa.select(bound(ids)).scalar_subquery() for bound in (sa.func.min, sa.func.max))
        [(low, high)] = self._fetch(sa.select(first, last))
        return int(low or 0), int(high or 0)

    def find_request(self, request_id: str) -> dict | None:
        """The latest logged row for one request id, asked of the database (not the whole log read)."""
        table = TABLES["requests"]
        query = sa.select(table).where(table.c.request_id == request_id).order_by(table.c[ROW_ID].desc()).limit(1)
        rows = self._fetch(query)
        if not rows:
            return None
        frame = typed_frame(list(SCHEMAS["requests"].columns), [row[1:] for row in rows], SCHEMAS["requests"])
        record = frame.to_dict("records")[0]
        record.update(stars=None, rating_comment="", rated_at=None)
        ratings = TABLES["ratings"]
        latest = self._fetch(
            sa.select(ratings.c.stars, ratings.c.comment, ratings.c.timestamp)
            .where(ratings.c.request_id == request_id, ratings.c.stars.between(1, 5))
            .order_by(ratings.c[ROW_ID].desc())
            .limit(1)
        )
        if latest:
            stars, comment, rated_at = latest[0]
            record.update(stars=int(stars), rating_comment=comment or "", rated_at=_utc_timestamp(rated_at))
        return {name: None if _missing(value) else value for name, value in record.items()}

    def insert(self, table_name: str, records: list[dict]) -> None:
        """Insert typed records into one log table in one transaction, retried when the failure is transient.

        One record is one INSERT in autocommit: a transaction of its own, one round trip to a server (no BEGIN
        and COMMIT around it); several are one transaction."""
        if len(records) == 1:
            self._write(lambda connection: connection.execute(TABLES[table_name].insert(), records[0]), alone=True)
        elif records:
            self._write(lambda connection: connection.execute(TABLES[table_name].insert(), records))

    def _append(self, path: Path, columns: list[str], rows: list[list[Cell]]) -> None:
        name = path.stem
        if path.parent != self.directory or name not in TABLES:
            return super()._append(path, columns, rows)  # a log with no table yet stays a CSV file
        self.insert(name, records_from_cells(rows, columns, SCHEMAS[name], path.name))

    def _read(self, path: Path, schema: Schema, keep: frozenset[str] | None = None) -> Table:
        return read_table(self, path.stem, schema, keep)

    def _write(self, action, *, alone: bool = False) -> None:
        engine = self.engine
        opened = engine.connect if alone else engine.begin  # alone: a single statement, its own transaction
        try:
            for attempt in _retrying():
                with attempt, opened() as connection:
                    action(connection.execution_options(isolation_level="AUTOCOMMIT") if alone else connection)
        except sa_errors.SQLAlchemyError as e:
            raise LogWriteError(f"could not write to the {self.kind} database {self.location}: {problem(e)}") from e

    def engine_for_reading(self) -> sa.Engine:
        """The engine, or a LogReadError saying why the database cannot be opened."""
        try:
            return self.engine
        except LogWriteError as e:
            raise LogReadError(str(e)[:1].upper() + str(e)[1:]) from e

    def _fetch(self, query) -> list[tuple]:
        engine = self.engine_for_reading()
        try:
            for attempt in _retrying():
                with attempt, engine.connect() as connection:
                    return [tuple(row) for row in connection.execute(query)]
        except sa_errors.SQLAlchemyError as e:
            raise LogReadError(f"Could not read the {self.kind} database {self.location}: {problem(e)}") from e


def database_url(url: str) -> sa.URL:
    """The URL as SQLAlchemy reads it, with psycopg 3 for PostgreSQL; a LogWriteError naming the setting if bad."""
    register_url_password(url)
    try:
        parsed = sa.make_url(url)
    except sa_errors.ArgumentError as e:
        raise LogWriteError(
            f"{DATABASE_URL_VARIABLE} is not a database URL: use sqlite:///logs/switchboard.db for a file, or "
            "postgresql://user:password@host/database for a server."
        ) from e
    if parsed.drivername in ("postgres", "postgresql"):  # the bare names mean psycopg2 to SQLAlchemy, not installed
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def shown_url(url: sa.URL) -> str:
    """A database URL safe to show: the password as ***."""
    return url.render_as_string(hide_password=True)


def engine_for(url: sa.URL) -> sa.Engine:
    """One engine (and connection pool) per database for the whole process, its schema migrated on first use.

    A database that could not be opened is not tried again for OPEN_RETRY_AFTER_S: every page run and every
    append would otherwise wait out the connect timeout again; they fail at once with the same message.
    """
    key = url.render_as_string(hide_password=False)
    with _engines_lock:
        if key in _engines:
            return _engines[key]
        failed = _open_failures.get(key)
        if failed and time.monotonic() - failed[0] < OPEN_RETRY_AFTER_S:
            raise LogWriteError(failed[1])
        engine = _new_engine(url)
        try:
            for attempt in _retrying():
                with attempt:
                    migrate(engine)
        except sa_errors.SQLAlchemyError as e:
            engine.dispose()
            message = f"could not open the database {shown_url(url)}: {problem(e)}"
            _open_failures[key] = (time.monotonic(), message)
            raise LogWriteError(message) from e
        _open_failures.pop(key, None)
        _engines[key] = engine
        return engine


def forget_engines() -> None:
    """Close every pooled connection and forget the engines and every table read (tests; a process that starts
    over), the frames made from them too: the next read is whole, and the old frames go before it is made."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _tables.clear()
        _open_failures.clear()
        forget_derived_frames()


def _new_engine(url: sa.URL) -> sa.Engine:
    if url.get_backend_name() != "sqlite":
        patience = {} if "connect_timeout" in url.query else {"connect_timeout": CONNECT_TIMEOUT_S}
        # no pre-ping (a round trip before every statement, half an append's time): a connection the server
        # dropped fails its statement, which invalidates the pool and is retried on a new one; idle ones are
        # recycled before hosted servers' idle timeouts close them
        return sa.create_engine(url, pool_size=POOL_SIZE, pool_recycle=POOL_RECYCLE_S, connect_args=patience)
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @sa.event.listens_for(engine, "connect")
    def _wal_and_patience(dbapi_connection, _record) -> None:  # every new connection, before any statement
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer, nor it them
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit survives the app crashing; see the docstring
        cursor.close()

    return engine


def _retrying(driver_errors: tuple[type[Exception], ...] = ()) -> tenacity.Retrying:
    """Attempts of one statement, retried on a transient failure (SQLAlchemy's, or one of the driver's own)."""
    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(WRITE_ATTEMPTS),
        wait=tenacity.wait_exponential(multiplier=0.05, max=1.0),
        retry=tenacity.retry_if_exception(lambda e: _transient(e) or isinstance(e, driver_errors)),
        reraise=True,
    )


def _transient(e: BaseException) -> bool:
    """A failure that may pass on its own: a lock, a timeout, a connection dropped (not a bad row or URL)."""
    if isinstance(e, sa_errors.DBAPIError) and e.connection_invalidated:
        return True
    return isinstance(e, sa_errors.OperationalError)


def read_problem(e: Exception) -> str:
    """What went wrong in a read, in the driver's words (first line, redacted), SQLAlchemy's or the driver's own."""
    if isinstance(e, sa_errors.SQLAlchemyError):
        return problem(e)
    first = (str(e).strip().splitlines() or [type(e).__name__])[0]
    return redact(f"{first} (check {DATABASE_URL_VARIABLE} and that the database server is running)")


def problem(e: sa_errors.SQLAlchemyError) -> str:
    """What went wrong, in the driver's words (first line, redacted): never the SQL, its values, or a password."""
    cause = getattr(e, "orig", None) or e
    first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    hint = f"check {DATABASE_URL_VARIABLE} and that the database server is running"
    if isinstance(e, sa_errors.IntegrityError):
        hint = "a row with this id is already logged"
    return redact(f"{first} ({hint})")


def records_from_cells(rows: list[list[Cell]], columns: list[str], schema: Schema, name: str) -> list[dict]:
    """Log rows as the CSV store builds them (cells in `columns` order) as typed records for an insert.

    The same values the CSV file would read back, without writing and parsing CSV: texts as they are (a lone
    surrogate kept escaped, as the CSV reader keeps it), numbers as numbers (NaN as missing), times in UTC."""
    records = []
    for cells in rows:
        if len(cells) != len(columns):
            raise LogWriteError(f"a {name} row had {len(cells)} fields where {len(columns)} were expected")
        records.append({column: _typed_value(v, column, schema) for column, v in zip(columns, cells, strict=True)})
    return records


def _typed_value(value: Cell, column: str, schema: Schema) -> object:
    if column in schema.timestamps:
        return datetime.fromisoformat(value).astimezone(UTC) if value else None
    if column in schema.floats or column in schema.ints:
        if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
            return None
        return float(value) if column in schema.floats else int(value)
    text = value if isinstance(value, str) else format_number(value)
    return escape_lone_surrogates(text) if has_lone_surrogate(text) else text


def frame_records(frame: pd.DataFrame, schema: Schema) -> list[dict]:
    """A typed log frame as records of plain Python values (None for missing), the schema's columns only."""
    columns = [name for name in schema.columns if name in frame.columns]
    out = []
    for record in frame[columns].to_dict("records"):
        out.append({name: _plain(value) for name, value in record.items()})
    return out


def _plain(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime().astimezone(UTC)
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value


def typed_frame(columns: list[str], rows: list[tuple], schema: Schema) -> pd.DataFrame:
    """Rows fetched from a log table as the same typed frame the CSV reader makes (dtypes, categories, "")."""
    if not rows:
        empty = empty_frame(schema)
        return empty[[name for name in columns if name in empty.columns]]
    values = list(zip(*rows, strict=True))
    return arrow_frame(pa.table({name: _typed_array(list(values[i]), name, schema) for i, name in enumerate(columns)}),
                       schema)  # fmt: skip


def arrow_types(columns: list[str], schema: Schema) -> dict[str, pa.DataType]:
    """The Arrow type each of a log table's columns is fetched as."""
    return {name: target_type(name, schema) or pa.string() for name in columns}


def arrow_frame(table: pa.Table, schema: Schema) -> pd.DataFrame:
    """Typed Arrow columns of a log table as the frame the CSV reader makes: texts "" for missing, categories."""
    columns = {}
    for name in table.column_names:
        values = table[name]
        if pa.types.is_string(values.type):
            values = values.fill_null("")
            values = values.dictionary_encode() if name in schema.categories else values
        columns[name] = values
    frame = pa.table(columns).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    for name in schema.categories & set(frame.columns):  # categories in sorted order, as the CSV reader makes them
        categories = frame[name].cat.categories
        if not categories.is_monotonic_increasing:
            frame[name] = frame[name].cat.reorder_categories(categories.sort_values())
    return frame


def _typed_array(values: list, name: str, schema: Schema) -> pa.Array:
    if name in schema.timestamps:
        return pa.array([_utc(v) for v in values], pa.timestamp("us", tz="UTC"))
    if name in schema.floats:
        return pa.array(values, pa.float64())
    if name in schema.ints:
        return pa.array(values, pa.int64())
    text = pa.array(values, pa.string()).fill_null("")
    return text.dictionary_encode() if name in schema.categories else text


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive times (stored in UTC); PostgreSQL aware ones in the session's zone."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _utc_timestamp(moment: datetime | None) -> pd.Timestamp | None:
    return None if moment is None else pd.Timestamp(_utc(moment))


def _missing(value: object) -> bool:
    return not isinstance(value, list | tuple | dict) and bool(pd.isna(value))


@dataclass
class _Cached:
    generation: int
    last_row_id: int
    rows: int
    frame: pd.DataFrame
    row_ids: np.ndarray  # each frame row's row_id, for its texts


_tables: dict[tuple[str, str, frozenset[str] | None], _Cached] = {}
_tables_lock = threading.Lock()
_generation = iter(range(1, 1 << 62))


def _empty(schema: Schema, keep: frozenset[str] | None) -> _Cached:
    frame = empty_frame(schema)
    frame = frame if keep is None else frame[[c for c in schema.columns if c in keep]]
    return _Cached(next(_generation), 0, 0, frame, np.array([], dtype=np.int64))


def read_table(store: DatabaseStore, name: str, schema: Schema, keep: frozenset[str] | None = None) -> Table:
    """One log table as a typed frame (only the `keep` columns, when given), fetching only the rows added since
    this process last read it."""
    table = TABLES[name]
    columns = [c for c in schema.columns if keep is None or c in keep]
    key = (store.url.render_as_string(hide_password=False), name, keep)
    with _tables_lock:
        cached = _tables.get(key)
        first, last = store.row_id_span(name)
        if cached is None or last < cached.last_row_id or (cached.rows and first != cached.row_ids[0]):
            cached = _empty(schema, keep)  # rows were removed (or the table made anew): read it whole
        if last != cached.last_row_id:
            fresh = _fetch_columns(store, table, columns, schema, cached.last_row_id, last)
            new = arrow_frame(fresh.drop_columns([ROW_ID]), schema) if fresh.num_rows else cached.frame.iloc[:0]
            release_old_copies(cached.rows)
            frame = new if cached.frame.empty else append_frames(cached.frame, new, schema)
            ids = np.concatenate([cached.row_ids, fresh[ROW_ID].to_numpy()])
            last_id = int(ids[-1]) if len(ids) else last
            cached = _Cached(cached.generation, last_id, cached.rows + fresh.num_rows, frame, ids)
        _tables[key] = cached
    version = ("database", store.location, name, cached.generation, (cached.last_row_id, cached.rows))
    texts = None if keep is None else DatabaseTexts(store, name, schema, cached.row_ids)
    return Table(cached.frame.copy(deep=False), version=version, texts=texts)


def _fetch_columns(store: DatabaseStore, table: sa.Table, columns: list[str], schema: Schema, after: int,
                   last: int) -> pa.Table:  # fmt: skip
    """`columns` of the rows after row id `after` (the last one `last` when asked), in order, as Arrow columns
    (with the row ids first)."""
    engine = store.engine_for_reading()
    query = sa.select(table.c[ROW_ID], *(table.c[c] for c in columns)).order_by(table.c[ROW_ID])
    bounds = _split(after, last, READ_PROCESSES if engine.dialect.name == "sqlite" else 1)
    parts = [query.where(table.c[ROW_ID] > low, *([table.c[ROW_ID] <= high] if high else [])) for low, high in bounds]
    types = {ROW_ID: pa.int64(), **arrow_types(columns, schema)}
    try:
        for attempt in _retrying((engine.dialect.dbapi.OperationalError,)):
            with attempt:
                return fetch_arrow(engine, parts, types, many=last - after > READER_ROWS)
    except (sa_errors.SQLAlchemyError, engine.dialect.dbapi.Error) as e:
        raise LogReadError(f"Could not read the {store.kind} database {store.location}: {read_problem(e)}") from e


def _split(after: int, last: int, ways: int) -> list[tuple[int, int | None]]:
    """Row id ranges (low, high] covering the rows after `after`, `ways` of them when there are enough rows to
    be worth it; the last one open, for rows added meanwhile."""
    ways = max(1, min(ways, (last - after) // SPLIT_ROWS))
    edges = [after + (last - after) * k // ways for k in range(ways)]
    return [(int(low), int(high)) for low, high in itertools.pairwise(edges)] + [(int(edges[-1]), None)]


class DatabaseTexts(TextSource):
    """The columns a read left out, for given rows of its frame, selected by row id."""

    ROWS_PER_QUERY = 500

    def __init__(self, store: DatabaseStore, name: str, schema: Schema, row_ids: np.ndarray):
        self.store, self.table, self.schema, self.row_ids = store, TABLES[name], schema, row_ids

    def _typed(self, rows: list[tuple], columns: list[str]) -> pd.DataFrame:
        known = [c for c in columns if c in self.table.c]
        frame = typed_frame(known, [row[1:] for row in rows], self.schema)
        if rows:
            frame.index = pd.Index(np.searchsorted(self.row_ids, [row[0] for row in rows]))
        return frame.reindex(columns=columns)

    def _select(self, columns: list[str]) -> sa.Select:
        known = [c for c in columns if c in self.table.c]
        return sa.select(self.table.c[ROW_ID], *(self.table.c[c] for c in known))

    def rows(self, positions: np.ndarray, columns: list[str]) -> pd.DataFrame:
        """`columns` of the rows at `positions` of the frame read, indexed by position."""
        positions = np.asarray(positions, dtype=np.int64)
        ids = self.row_ids[positions].tolist()
        fetched = []
        for start in range(0, len(ids), self.ROWS_PER_QUERY):
            wanted = ids[start : start + self.ROWS_PER_QUERY]
            fetched += self.store._fetch(self._select(columns).where(self.table.c[ROW_ID].in_(wanted)))
        found = self._typed(fetched, columns)
        return found.reindex(positions) if len(found) else pd.DataFrame(columns=columns, index=positions)

    def chunks(self, columns: list[str]) -> Iterator[pd.DataFrame]:
        """`columns` of every row, SCAN_ROWS at a time, newest first, each indexed by position."""
        for end in range(len(self.row_ids), 0, -SCAN_ROWS):
            start = max(0, end - SCAN_ROWS)
            low, high = int(self.row_ids[start]), int(self.row_ids[end - 1])
            query = self._select(columns).where(self.table.c[ROW_ID].between(low, high)).order_by(self.table.c[ROW_ID])
            yield self._typed(self.store._fetch(query), columns).reindex(pd.RangeIndex(start, end))
