"""The database schema, derived from the CSV column lists, and the migration that keeps a database up to date.

The CSV column lists (`csv_store.REQUEST_COLUMNS` and friends) are the single source of truth: each log is one
table of the same name with those columns in that order, typed by the log's `Schema`, after a `row_id` that keeps
the order rows were written in. Columns only ever grow at the end, so migrating is adding the missing columns, in
order, to an existing table: `migrate` compares the table with the list and adds what is missing. That is why there
are no numbered migration files (nor Alembic): a column another version appends to the list reaches the database
with no second place to write it, and an older database is brought up to date the first time a newer version opens
it. One process migrates at a time (a PostgreSQL advisory lock; SQLite's write lock), so replicas starting together
do not trip over each other.
"""

from __future__ import annotations

import sqlalchemy as sa

from .csv_store import RATING_SCHEMA, REQUEST_SCHEMA, VOTE_SCHEMA
from .evaluations import EVALUATION_FILES, EVALUATION_SCHEMAS
from .read import Schema

ROW_ID = "row_id"
SCHEMAS: dict[str, Schema] = {"requests": REQUEST_SCHEMA, "ratings": RATING_SCHEMA, "votes": VOTE_SCHEMA}
INDEXED = {"requests": "request_id", "ratings": "request_id", "votes": "comparison_id"}
# the evaluation runs' tables (evaluations.py), named like their CSV files: eval_runs, eval_cells, ...
SCHEMAS |= {EVALUATION_FILES[kind].removesuffix(".csv"): schema for kind, schema in EVALUATION_SCHEMAS.items()}
INDEXED |= {EVALUATION_FILES[kind].removesuffix(".csv"): "run_id" for kind in EVALUATION_SCHEMAS}
MIGRATION_LOCK_KEY = 0x5357_4244  # "SWBD": one PostgreSQL advisory lock for the whole schema


def column_type(name: str, schema: Schema) -> sa.types.TypeEngine:
    """The SQL type of one log column: timestamps in UTC, floats, 64-bit integers, the rest text."""
    if name in schema.timestamps:
        return sa.DateTime(timezone=True)
    if name in schema.floats:
        return sa.Double()
    if name in schema.ints:
        return sa.BigInteger()
    return sa.Text()


def build_metadata() -> tuple[sa.MetaData, dict[str, sa.Table]]:
    """The tables as SQLAlchemy Core objects, one per log, columns in the log's order."""
    metadata = sa.MetaData()
    tables = {}
    for table_name, schema in SCHEMAS.items():
        row_id = sa.Column(ROW_ID, sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
        columns = [sa.Column(name, column_type(name, schema)) for name in schema.columns]
        unique = table_name == "requests"  # a request id names one response: importing twice adds nothing
        index = sa.Index(f"ix_{table_name}_{INDEXED[table_name]}", INDEXED[table_name], unique=unique)
        tables[table_name] = sa.Table(table_name, metadata, row_id, *columns, index)
    return metadata, tables


METADATA, TABLES = build_metadata()


def migrate(engine: sa.Engine) -> None:
    """Create the tables that are missing and add, in order, the columns a table lacks; one process at a time."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        elif engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock now: no other migration interleaves
        METADATA.create_all(connection, checkfirst=True)
        inspector = sa.inspect(connection)
        for table in TABLES.values():
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:
                    _add_column(connection, table.name, column)


def _add_column(connection: sa.Connection, table: str, column: sa.Column) -> None:
    preparer = connection.dialect.identifier_preparer
    kind = column.type.compile(dialect=connection.dialect)
    connection.exec_driver_sql(f"ALTER TABLE {preparer.quote(table)} ADD COLUMN {preparer.quote(column.name)} {kind}")
