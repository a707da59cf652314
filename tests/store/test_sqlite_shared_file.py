"""A SQLite log that the app reads for Analytics while it and another process write to it stays sound.

Only one copy of SQLite may open the file in a process: a second copy (as a driver bundling its own would bring)
drops the first one's file locks whenever it closes the file, and the other process's writes then corrupt it.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from llm_core.analytics.summary import PAGE_COLUMNS
from llm_core.record import Result
from llm_core.store.csv_store import default_store

REPO = Path(__file__).parents[2]
WRITES = """
from llm_core.record import Result
from llm_core.store.csv_store import default_store
store = default_store()
for number in range(40):
    assert store.append_response(Result(model="other", requested_model="other", provider="p", text=str(number))) == ""
"""


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_log_read_for_analytics_while_another_process_writes_keeps_every_row(backend, isolated):
    store = default_store()
    database = isolated / "switchboard.db"
    for _ in range(3):
        assert store.append_response(Result(model="app", requested_model="app", provider="p", text="a")) == ""
        assert len(store.read_requests(PAGE_COLUMNS).frame) > 0  # the Analytics page's read
        writer = subprocess.run([sys.executable, "-c", WRITES], env={**os.environ, "PYTHONPATH": str(REPO)},
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert writer.returncode == 0, writer.stderr
        assert store.append_response(Result(model="app", requested_model="app", provider="p", text="b")) == ""

    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        counts = dict(connection.execute("SELECT model, count(*) FROM requests GROUP BY model").fetchall())
    assert counts == {"app": 6, "other": 120}
    assert len(store.read_requests(PAGE_COLUMNS).frame) == 126
