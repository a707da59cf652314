"""The evaluation tables: runs, their finished cells, each check's result and each pairwise verdict.

Each is an append-only log like the others (a run's later rows supersede its earlier ones when read); the columns
are named here once so any backend stores the same record. Columns only ever grow at the end.
"""

from __future__ import annotations

from collections.abc import Mapping

from .cells import Cell
from .parse import Schema

RUN_COLUMNS = [
    "timestamp", "run_id", "suite", "suite_hash", "suite_path", "models", "options", "judge", "repeats", "status",
    "started", "finished", "spent_usd", "note",
]  # fmt: skip
CELL_COLUMNS = [
    "timestamp", "run_id", "case_id", "model", "repeat", "request_id", "cached", "status", "passed", "failed",
    "latency_ms", "ttft_ms", "cost_usd", "completion_tokens",
]  # fmt: skip
CHECK_COLUMNS = [
    "timestamp", "run_id", "case_id", "model", "repeat", "request_id", "position", "check", "outcome", "score",
    "detail", "judge",
]  # fmt: skip
VERDICT_COLUMNS = [
    "timestamp", "run_id", "case_id", "repeat", "model_a", "model_b", "request_a", "request_b", "first", "second",
    "outcome", "judge",
]  # fmt: skip

EVALUATION_SCHEMAS = {
    "runs": Schema(tuple(RUN_COLUMNS), len(RUN_COLUMNS), floats=frozenset({"spent_usd"}), ints=frozenset({"repeats"})),
    "cells": Schema(
        tuple(CELL_COLUMNS),
        len(CELL_COLUMNS),
        floats=frozenset({"latency_ms", "ttft_ms", "cost_usd"}),
        ints=frozenset({"repeat", "completion_tokens"}),
    ),
    "checks": Schema(
        tuple(CHECK_COLUMNS), len(CHECK_COLUMNS), floats=frozenset({"score"}), ints=frozenset({"repeat", "position"})
    ),
    "verdicts": Schema(tuple(VERDICT_COLUMNS), len(VERDICT_COLUMNS), ints=frozenset({"repeat"})),
}
EVALUATION_FILES = {kind: f"eval_{kind}.csv" for kind in EVALUATION_SCHEMAS}


class UnknownEvaluationTable(KeyError):
    """A kind of evaluation record that no table holds."""


def evaluation_row(kind: str, record: Mapping[str, object]) -> list[Cell]:
    """One record as a row of its table, in column order: numbers stay numbers, anything else is text."""
    if kind not in EVALUATION_SCHEMAS:
        raise UnknownEvaluationTable(f"no evaluation table {kind!r}; the tables are {', '.join(EVALUATION_SCHEMAS)}")
    schema = EVALUATION_SCHEMAS[kind]
    numeric = schema.floats | schema.ints
    unknown = set(record) - set(schema.columns)
    if unknown:
        raise UnknownEvaluationTable(f"{kind} has no column {', '.join(sorted(unknown))}")
    row: list[Cell] = []
    for name in schema.columns:
        value = record.get(name)
        if name in numeric:
            row.append(None if value is None else value)  # type: ignore[arg-type]
        else:
            row.append("" if value is None else str(value))
    return row
