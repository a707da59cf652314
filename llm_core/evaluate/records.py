"""A run's records in the log store: the run itself, each finished cell, each check and each pairwise verdict.

Written as the run goes, through the store's interface (so any backend keeps them); a run's latest record wins.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from ..errors import SwitchboardError

log = logging.getLogger(__name__)
PAIRWISE = "pairwise"  # the key under which a run's options keep its pairwise choice


class UnknownRunError(SwitchboardError):
    """No run with this id is in the log."""


@dataclass
class RunRecord:
    """What a run was asked to do, and how far it got."""

    run_id: str
    suite: str
    suite_hash: str
    suite_path: str
    models: list[str]
    options: dict
    judge: str
    repeats: int
    status: str = "running"  # running, finished, stopped, budget
    started: str = ""
    finished: str = ""
    spent_usd: float = 0.0
    note: str = ""
    pairwise: bool = False  # the judge also compares every pair of models (kept with the options: no column of its own)

    def as_row(self) -> dict:
        """The run as a row of the runs table."""
        options = {**self.options, PAIRWISE: True} if self.pairwise else self.options
        fields = {k: v for k, v in self.__dict__.items() if k != "pairwise"}
        return {**fields, "models": json.dumps(self.models), "options": json.dumps(options)}


def now_iso() -> str:
    """The current UTC time, as the logs write it."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def save_run(store, run: RunRecord) -> None:
    """Record the run's current state (a later record of the same run supersedes this one)."""
    store.append_evaluation("runs", [run.as_row()])


def load_run(store, run_id: str) -> RunRecord:
    """The latest record of one run; UnknownRunError when there is none."""
    frame = store.read_evaluation("runs").frame
    rows = frame[frame["run_id"] == run_id]
    if rows.empty:
        known = ", ".join(frame["run_id"].drop_duplicates().tail(5)) or "none yet"
        raise UnknownRunError(f"no evaluation run {run_id!r} in the log (latest runs: {known})")
    row = rows.iloc[-1].to_dict()
    options = json.loads(row["options"] or "{}")
    return RunRecord(
        run_id=row["run_id"],
        suite=row["suite"],
        suite_hash=row["suite_hash"],
        suite_path=row["suite_path"],
        models=json.loads(row["models"] or "[]"),
        options={k: v for k, v in options.items() if k != PAIRWISE},
        judge=row["judge"],
        repeats=int(row["repeats"]) if pd.notna(row["repeats"]) else 1,
        status=row["status"],
        started=row["started"],
        finished=row["finished"],
        spent_usd=float(row["spent_usd"]) if pd.notna(row["spent_usd"]) else 0.0,
        note=row["note"],
        pairwise=bool(options.get(PAIRWISE, False)),
    )


def list_runs(store, suite: str | None = None) -> pd.DataFrame:
    """Every run's latest record, newest first; only one suite's when `suite` is given."""
    frame = store.read_evaluation("runs").frame
    latest = frame.drop_duplicates("run_id", keep="last")
    if suite is not None:
        latest = latest[latest["suite"] == suite]
    return latest.iloc[::-1].reset_index(drop=True)


def run_table(store, kind: str, run_id: str) -> pd.DataFrame:
    """One run's cells, checks or verdicts; a cell recorded twice (a resumed crash) counts once, the latest."""
    frame = store.read_evaluation(kind).frame
    frame = frame[frame["run_id"] == run_id]
    keys = {
        "cells": ["case_id", "model", "repeat"],
        "checks": ["case_id", "model", "repeat", "position"],
        "verdicts": ["case_id", "repeat", "model_a", "model_b"],
    }[kind]
    return frame.drop_duplicates(keys, keep="last").reset_index(drop=True)


class RecordWriter:
    """Cell, check and verdict records gathered and appended in batches, a few times a second.

    One append (and one fsync) per batch rather than two per cell keeps the orchestration's cost per cell small;
    a process killed between flushes loses only the last records, whose answers are in the request log already
    (the cache gives them back at no cost when the run is resumed). Checks are written before their cells.
    """

    ORDER = ("checks", "verdicts", "cells")
    FLUSH_S = 0.2

    def __init__(self, store):
        self.store = store
        self._pending: dict[str, list[dict]] = {kind: [] for kind in self.ORDER}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="eval-records", daemon=True)
        self._thread.start()

    def add(self, kind: str, records: list[dict]) -> None:
        """Queue records for the next flush."""
        with self._lock:
            self._pending[kind].extend(records)

    def flush(self) -> None:
        """Write everything queued, checks first, then verdicts, then cells."""
        with self._lock:
            batches = {kind: self._pending[kind] for kind in self.ORDER}
            self._pending = {kind: [] for kind in self.ORDER}
        for index, kind in enumerate(self.ORDER):
            if not batches[kind]:
                continue
            try:
                self.store.append_evaluation(kind, batches[kind])
            except Exception:  # keep what was not written for the next try, in order
                with self._lock:
                    for later in self.ORDER[index:]:
                        self._pending[later][:0] = batches[later]
                raise

    def close(self) -> None:
        """Flush what is left and stop the background flushing."""
        self._closed = True
        self._wake.set()
        self._thread.join()
        self.flush()

    def _loop(self) -> None:
        while not self._closed:
            self._wake.wait(self.FLUSH_S)
            try:
                self.flush()
            except Exception:  # a failed write is retried at the next flush and surfaces from close()
                log.exception("evaluation records not written yet")
