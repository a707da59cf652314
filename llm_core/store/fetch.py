"""Many rows of a log table at once, as Arrow columns: how the database store reads what Analytics holds, fast.

SQLAlchemy's rows are Python objects, a few microseconds a cell: a million rows of twenty columns would take most
of a minute. For PostgreSQL, Apache Arrow's ADBC driver makes them into Arrow columns in C, sent by binary COPY;
without it (or when it fails) they come as CSV through psycopg's COPY, parsed by Arrow's CSV reader a few
megabytes at a time, about 1.6 times slower. SQLite's rows come through the sqlite3 cursor, a batch of tuples at a
time made into Arrow columns, its times (stored as text) cast by Arrow. Not through ADBC's SQLite driver, though it
is four times quicker: it carries its own copy of SQLite, and two copies in one process break each other's file
locks (closing a file drops every lock the process holds on it), so a log written by this process's sqlite3 while
that driver read it came out "malformed" (SQLite's "How To Corrupt An SQLite Database File", 2.2.1). Any other
database goes through SQLAlchemy's rows. The query is compiled with its values inline, so it must hold only values
the store chose (row ids), never a user's text.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.csv as pcsv
import sqlalchemy as sa

BATCH_ROWS = 50_000  # rows made into Arrow columns at a time (SQLite)
BATCH_BYTES = 1 << 24  # CSV bytes parsed at a time (PostgreSQL)


def fetch_arrow(engine: sa.Engine, query: sa.Select, types: dict[str, pa.DataType]) -> pa.Table:
    """The rows of `query`, whose columns are named and typed by `types` in order, as one Arrow table.

    Errors are the driver's own (`engine.dialect.dbapi.Error`) or SQLAlchemy's: the caller words them."""
    if engine.dialect.name == "postgresql":
        sql = _inline(engine, query)
        return _by_adbc_postgres(engine.url, sql, types) or _by_copy(engine, sql, types)
    if engine.dialect.name == "sqlite":
        sql = _inline(engine, query)
        return _by_cursor(engine, sql, types)
    with engine.connect() as connection:
        return _batch([tuple(row) for row in connection.execute(query)], types)


def _inline(engine: sa.Engine, query: sa.Select) -> str:
    return str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))


def _by_copy(engine: sa.Engine, sql: str, types: dict[str, pa.DataType]) -> pa.Table:
    """PostgreSQL: COPY (query) TO STDOUT as CSV, in UTC, parsed by Arrow a few megabytes at a time."""
    with _raw(engine) as raw, raw.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")  # times come as "2025-01-01 00:00:00+00", which Arrow reads
        tables, pending, size = [], [], 0
        with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
            for data in copy:  # a row at a time
                pending.append(bytes(data))
                size += len(data)
                if size >= BATCH_BYTES:
                    tables.append(_parse_csv(b"".join(pending), types))
                    pending, size = [], 0
        tables.append(_parse_csv(b"".join(pending), types))
        raw.rollback()  # read only: end the transaction, and the time zone with it
    return pa.concat_tables(tables)


@contextmanager
def _raw(engine: sa.Engine) -> Iterator:
    """A pooled driver connection, given back afterwards, or dropped from the pool when it failed (it may be dead)."""
    raw = engine.raw_connection()
    try:
        yield raw
    except BaseException:
        raw.invalidate()
        raise
    finally:
        raw.close()


def _by_adbc_postgres(url: sa.URL, sql: str, types: dict[str, pa.DataType]) -> pa.Table | None:
    """PostgreSQL through ADBC's driver (binary COPY made into Arrow columns in C), or None when it is missing or
    fails (COPY as CSV then reads the rows, and words any error the way the rest of the store does)."""
    try:
        import adbc_driver_postgresql.dbapi as adbc_postgresql
    except ImportError:
        return None
    address = url.set(drivername="postgresql").render_as_string(hide_password=False)  # libpq's form of the URL
    try:
        with adbc_postgresql.connect(address) as connection, connection.cursor() as cursor:
            cursor.execute(sql)
            fetched = cursor.fetch_arrow_table()
    except (adbc_postgresql.Error, OSError):
        return None
    return pa.table({name: _cast(fetched.column(i), kind) for i, (name, kind) in enumerate(types.items())})


def _parse_csv(data: bytes, types: dict[str, pa.DataType]) -> pa.Table:
    if not data:
        return pa.table({name: pa.array([], kind) for name, kind in types.items()})
    return pcsv.read_csv(
        io.BytesIO(data),
        read_options=pcsv.ReadOptions(column_names=list(types)),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            column_types=types, null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False
        ),  # COPY writes NULL as nothing, an empty text as ""
    )


def _cast(values: pa.ChunkedArray, kind: pa.DataType) -> pa.ChunkedArray:
    if pa.types.is_timestamp(kind) and pa.types.is_string(values.type):
        return values.cast(pa.timestamp("us")).cast(kind)  # SQLite's text times, in UTC
    if pa.types.is_timestamp(kind) and pa.types.is_timestamp(values.type):
        return values.cast(pa.timestamp(kind.unit, tz=values.type.tz or "UTC")).cast(kind)  # any zone, as UTC
    return values.cast(kind)


def _by_cursor(engine: sa.Engine, sql: str, types: dict[str, pa.DataType]) -> pa.Table:
    """SQLite: the driver's cursor, BATCH_ROWS at a time, each batch made into Arrow columns."""
    with _raw(engine) as raw:
        cursor = raw.cursor()
        cursor.execute(sql)
        tables = [_batch([], types)]
        while rows := cursor.fetchmany(BATCH_ROWS):
            tables.append(_batch(rows, types))
        cursor.close()
    return pa.concat_tables(tables)


def _batch(rows: list[tuple], types: dict[str, pa.DataType]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(types)
    pairs = zip(types.items(), columns, strict=True)
    return pa.table({name: _array(list(values), kind) for (name, kind), values in pairs})


def _array(values: list, kind: pa.DataType) -> pa.Array:
    if pa.types.is_timestamp(kind) and values and any(isinstance(v, str) for v in values):
        # SQLite keeps times as text in UTC ("2025-01-01 00:00:00.000000"): Arrow reads them as UTC.
        return pa.array(values, pa.string()).cast(pa.timestamp("us")).cast(kind)
    if pa.types.is_timestamp(kind):
        return pa.array([_utc(v) for v in values], kind)
    return pa.array(values, kind)


def _utc(moment: datetime | None) -> datetime | None:
    """A naive time (SQLite's, stored in UTC) as UTC; an aware one as it is."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment
