"""Read a SQLite query as Arrow columns through ADBC's SQLite driver, in a process of its own.

    python sqlite_arrow.py DATABASE < query.sql > batches.arrow

The query comes on standard input; its rows go to standard output as an Arrow IPC stream, a batch at a time, so
this process holds one batch, never the whole result. An error is one line on standard error and exit status 1.

Why a process: ADBC's driver carries its own copy of SQLite, and two copies in one process break each other's
file locks (closing a file drops every lock the process holds on it, SQLite's "How To Corrupt An SQLite Database
File", 2.2.1). In a process of its own it is one more reader, as the CLI is, which WAL mode is made for. It is run
as a script, not a module of the package, so it imports only pyarrow and the driver (a fifth of a second).
"""

from __future__ import annotations

import sys

BATCH_ROWS = 65_536  # rows the driver makes into Arrow columns at a time


def stream(database: str, sql: str, out) -> None:
    """Write the rows of `sql` on `database` to the binary file `out` as an Arrow IPC stream."""
    import adbc_driver_manager as manager
    import adbc_driver_sqlite
    import pyarrow as pa

    with (
        adbc_driver_sqlite.connect(database) as db,
        manager.AdbcConnection(db) as connection,
        manager.AdbcStatement(connection) as statement,
    ):
        statement.set_options(**{adbc_driver_sqlite.StatementOptions.BATCH_ROWS.value: str(BATCH_ROWS)})
        statement.set_sql_query(sql)
        handle, _ = statement.execute_query()
        reader = pa.RecordBatchReader._import_from_c(handle.address)
        with reader, pa.ipc.new_stream(out, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)


def main() -> int:
    try:
        stream(sys.argv[1], sys.stdin.read(), sys.stdout.buffer)
    except Exception as e:  # the parent reads the rows another way, and words the problem if that fails too
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
