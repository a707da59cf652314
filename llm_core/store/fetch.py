"""Many rows of a log table at once, as Arrow columns: how the database store reads what Analytics holds, fast.

SQLAlchemy's rows are Python objects, a few microseconds a cell: a million rows of twenty columns would take most
of a minute. Apache Arrow's ADBC drivers make them into Arrow columns in C instead. PostgreSQL's sends them by
binary COPY; without it (or when it fails) they come as CSV through psycopg's COPY, parsed by Arrow's CSV reader
a few megabytes at a time, about 1.6 times slower. SQLite's runs in a process of its own (`sqlite_arrow.py` says
why) and sends its batches back as an Arrow stream; it infers each column's type from its first rows, so a typed
first row (dropped afterwards) tells it. A file it cannot read so (a value of another type in a column, an
in-memory database, no driver) goes through the sqlite3 cursor, a batch of tuples at a time, about four times
slower. Any other database goes through SQLAlchemy's rows. The query is compiled with its values inline, so it
must hold only values the store chose (row ids), never a user's text."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import sqlalchemy as sa

BATCH_ROWS = 50_000  # rows made into Arrow columns at a time (SQLite)
BATCH_BYTES = 1 << 24  # CSV bytes parsed at a time (PostgreSQL)
SQLITE_READER = Path(__file__).with_name("sqlite_arrow.py")

log = logging.getLogger(__name__)


def fetch_arrow(engine: sa.Engine, parts: Sequence[sa.Select], types: dict[str, pa.DataType], *,
                many: bool = True) -> pa.Table:  # fmt: skip
    """The rows of each query in `parts`, one part after another, as one Arrow table; every part's columns are
    named and typed by `types` in order. On SQLite the parts are read at once, a process each (split a long
    table by row id to use the machine's cores), unless the caller knows the rows are not `many`: a process costs
    a fifth of a second to start, the time the cursor takes over some 30,000 rows. Elsewhere one after another.

    Errors are the driver's own (`engine.dialect.dbapi.Error`) or SQLAlchemy's: the caller words them."""
    sqls = [_inline(engine, query) for query in parts]
    if engine.dialect.name == "sqlite":
        fast = _by_adbc_sqlite(engine.url.database, sqls, types) if many else None
        return fast or _concat(_by_cursor(engine, sql, types) for sql in sqls)
    if engine.dialect.name == "postgresql":
        return _concat(_by_adbc_postgres(engine.url, s, types) or _by_copy(engine, s, types) for s in sqls)
    with engine.connect() as connection:
        return _concat(_batch([tuple(row) for row in connection.execute(query)], types) for query in parts)


def _concat(tables: Iterable[pa.Table]) -> pa.Table:
    tables = list(tables)
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables)


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
    return _owned(pa.table({name: _cast(fetched.column(i), kind) for i, (name, kind) in enumerate(types.items())}))


def _owned(table: pa.Table) -> pa.Table:
    """`table` copied into buffers of its own, one per column. What a driver or a stream hands over comes a batch
    at a time, all of a batch's columns in shared buffers: a frame keeping one column of it (pandas keeps texts in
    their Arrow buffers) would keep every column of every batch alive, twice the memory the frame needs."""
    return pa.table({name: table.column(name).combine_chunks() for name in table.column_names})


def _by_adbc_sqlite(database: str | None, sqls: list[str], types: dict[str, pa.DataType]) -> pa.Table | None:
    """SQLite through ADBC's driver, a process per query, all at once; or None when it cannot read this file or
    these rows (the cursor then reads them)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    with ThreadPoolExecutor(len(sqls), thread_name_prefix="sqlite-arrow") as pool:  # each waits on its pipe
        tables = list(pool.map(lambda sql: _read_in_child(database, sql, types), sqls))
    return None if any(table is None for table in tables) else _owned(_concat(tables))


def _read_in_child(database: str, sql: str, types: dict[str, pa.DataType]) -> pa.Table | None:
    typed = ", ".join(f'{_PROTOTYPES[_kind(kind)]} AS "{name}"' for name, kind in types.items())
    query = f"SELECT {typed} UNION ALL SELECT * FROM ({sql})"  # the typed row first
    with subprocess.Popen(
        [sys.executable, str(SQLITE_READER), database],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as reader:  # fmt: skip
        reader.stdin.write(query.encode())
        reader.stdin.close()
        try:
            batches = [_typed_batch(batch, types) for batch in pa.ipc.open_stream(reader.stdout)]
        except (pa.ArrowException, OSError):  # the reader stopped part way: its standard error says why
            batches = None
        problem = reader.stderr.read().decode(errors="replace").strip()
    if reader.returncode or batches is None:  # e.g. a REAL in an INTEGER column, which the first rows did not show
        log.info("SQLite log %s read by the cursor instead of ADBC: %s", database, problem or reader.returncode)
        return None
    table = pa.Table.from_batches(batches, pa.schema(types)).slice(1)
    order = table.column(0)  # the row ids: a compound SELECT promises no order, so it is checked
    if len(order) > 1 and not pc.all(pc.greater(order[1:], order[:-1])).as_py():
        table = table.sort_by(table.column_names[0])
    return table


_PROTOTYPES = {"int": "0", "float": "0.5", "time": "'1970-01-01 00:00:00'", "text": "''"}  # for the first row


def _kind(kind: pa.DataType) -> str:
    if pa.types.is_integer(kind):
        return "int"
    if pa.types.is_floating(kind):
        return "float"
    return "time" if pa.types.is_timestamp(kind) else "text"  # times are stored as text


def _typed_batch(batch: pa.RecordBatch, types: dict[str, pa.DataType]) -> pa.RecordBatch:
    columns = [_cast(batch.column(i), kind) for i, kind in enumerate(types.values())]
    return pa.RecordBatch.from_arrays(columns, schema=pa.schema(types))


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
