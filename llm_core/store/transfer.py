"""Moving logs between the backends: a CSV log folder into the database, and the database out as CSV files.

Import reads each file the way the CSV store does (rows of every older version map by position; damaged rows are
skipped and reported) and inserts only what the database lacks: a request whose id is there already, a rating or
a vote with the same time and id, is left out, so importing the same folder twice adds nothing. Export writes the
three files in Switchboard's own CSV form (formula-safe cells; see cells.py) into a folder that holds none yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from .cells import Cell, format_row, utc_iso
from .csv_store import LogEntryError, append_rows
from .database import DatabaseStore, frame_records
from .read import read_log
from .tables import SCHEMAS, TABLES

BATCH_ROWS = 5_000  # rows per transaction: an interrupted import keeps whole batches, and a rerun adds the rest
NATURAL_KEYS = {
    "requests": ("request_id",),
    "ratings": ("timestamp", "request_id"),
    "votes": ("timestamp", "comparison_id"),
    "eval_runs": ("timestamp", "run_id", "status"),
    "eval_cells": ("timestamp", "run_id", "case_id", "model", "repeat"),
    "eval_checks": ("timestamp", "run_id", "case_id", "model", "repeat", "position"),
    "eval_verdicts": ("timestamp", "run_id", "case_id", "repeat", "model_a", "model_b"),
}


@dataclass
class Transfer:
    """What an import or export did: rows copied and rows already there, per log; rows skipped and why."""

    copied: dict[str, int] = field(default_factory=dict)
    already_there: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def import_folder(folder: Path, store: DatabaseStore) -> Transfer:
    """Copy the logs in a CSV folder into the database, leaving out rows it already holds."""
    if not folder.is_dir():
        raise LogEntryError(f"{folder} is not a folder: give the folder that holds requests.csv.")
    files = {name: folder / f"{name}.csv" for name in TABLES}
    if not any(path.is_file() for path in files.values()):
        raise LogEntryError(f"{folder} holds no Switchboard logs (requests.csv, ratings.csv, votes.csv).")
    report = Transfer()
    for name, path in files.items():
        table = read_log(path, SCHEMAS[name])
        report.skipped += table.skip_reasons
        report.notes += table.notes
        records = frame_records(table.frame, SCHEMAS[name])
        new = _not_yet_stored(store, name, records)
        for start in range(0, len(new), BATCH_ROWS):
            store.insert(name, new[start : start + BATCH_ROWS])
        report.copied[name], report.already_there[name] = len(new), len(records) - len(new)
    return report


def _not_yet_stored(store: DatabaseStore, name: str, records: list[dict]) -> list[dict]:
    """The records whose natural key is neither in the database nor earlier in the same file."""
    table = TABLES[name]
    key_columns = NATURAL_KEYS[name]
    stored = store._fetch(sa.select(*(table.c[c] for c in key_columns)))
    seen = {_key(dict(zip(key_columns, row, strict=True)), key_columns) for row in stored}
    new = []
    for record in records:
        key = _key(record, key_columns)
        if key not in seen:
            seen.add(key)
            new.append(record)
    return new


def _key(record: dict, columns: tuple[str, ...]) -> tuple:
    return tuple(utc_iso(v) if hasattr(v, "isoformat") else v for v in (record[c] for c in columns))


def export_folder(store: DatabaseStore, folder: Path) -> Transfer:
    """Write the database's logs as requests.csv, ratings.csv and votes.csv into a folder that holds none yet."""
    files = {name: folder / f"{name}.csv" for name in TABLES}
    if present := [path.name for path in files.values() if path.exists()]:
        raise LogEntryError(
            f"{folder} already holds {', '.join(present)}: export into an empty folder, so no two logs mix."
        )
    report = Transfer()
    for name, path in files.items():
        table = TABLES[name]
        columns = list(SCHEMAS[name].columns)
        rows = store._fetch(sa.select(*(table.c[c] for c in columns)).order_by(table.c["row_id"]))
        for start in range(0, max(len(rows), 1), BATCH_ROWS):
            batch = rows[start : start + BATCH_ROWS]
            append_rows(path, columns, [format_row(_cells(row, name)) for row in batch], fsync=True)
        report.copied[name] = len(rows)
    return report


def _cells(row: tuple, name: str) -> list[Cell]:
    """One stored row as CSV cells: times in ISO 8601 UTC, numbers as numbers, text as text ("" for none)."""
    schema = SCHEMAS[name]
    cells: list[Cell] = []
    for column, value in zip(schema.columns, row, strict=True):
        if column in schema.timestamps:
            cells.append("" if value is None else utc_iso(pd.Timestamp(value).to_pydatetime()))
        elif column in schema.floats or column in schema.ints:
            cells.append(value)
        else:
            cells.append("" if value is None else str(value))
    return cells
