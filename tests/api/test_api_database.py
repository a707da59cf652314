"""The API on the SQLite log store: what it answers is in the database file, and the CLI rates it from there."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from llm_core.api.server import create_app
from llm_core.store.database import forget_engines

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def database(isolated, monkeypatch) -> Path:
    """SWITCHBOARD_DATABASE_URL names a SQLite file in this test's folder."""
    path = isolated / "switchboard.db"
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", f"sqlite:///{path}")
    yield path
    forget_engines()


def test_an_answer_and_its_rating_go_to_the_database_and_another_process_rates_it_there(database):
    client = TestClient(create_app())
    request_id = client.post("/generate?model=echo", json={"prompt": "into the db"}).json()["request_id"]
    assert client.post("/rate", json={"request_id": request_id, "score": 2}).status_code == 200

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    rated = subprocess.run(
        [sys.executable, "-m", "llm_core", "rate", request_id, "5", "--comment", "from the CLI"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert rated.returncode == 0, rated.stderr

    with sqlite3.connect(database) as connection:
        (prompt, session) = connection.execute(
            "SELECT prompt, session_id FROM requests WHERE request_id = ?", (request_id,)
        ).fetchone()
        stars = [s for (s,) in connection.execute("SELECT stars FROM ratings WHERE request_id = ?", (request_id,))]
    assert (prompt, session, stars) == ("into the db", "api", [2, 5])
    assert not (database.parent / "logs" / "requests.csv").exists()  # nothing went to CSV
    assert client.post("/rate", json={"request_id": "feedfacefeedface", "score": 5}).status_code == 404
