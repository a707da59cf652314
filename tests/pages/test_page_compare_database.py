"""The Compare page on the SQLite log store: answers, stars and votes land in the database and outlive the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from llm_core.store.database import forget_engines
from tests.catalogs import COMPARE_MODELS, use_catalog
from tests.pages.test_page_compare import results, send

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def sqlite_logs(isolated, monkeypatch):
    use_catalog(isolated, monkeypatch, COMPARE_MODELS)
    monkeypatch.setenv("SWITCHBOARD_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", f"sqlite:///{isolated / 'switchboard.db'}")
    yield
    forget_engines()


def test_stars_and_a_vote_given_on_the_page_are_in_the_database_for_the_next_process(at, isolated):
    send(at, "rate me")
    at.feedback(key="stars_p2_1").set_value(3).run()  # the fourth star
    at.button(key="vote_B").click().run()
    assert not at.exception
    rated = results(at, "p2")[0].request_id
    forget_engines()  # the app goes away; what it saved must be in the file

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "llm_core", "logs", "--json"]
    shown = subprocess.run(command, capture_output=True, text=True, env=env)
    assert shown.returncode == 0, shown.stderr
    rows = {row["request_id"]: row for row in json.loads(shown.stdout)}
    assert rows[rated]["stars"] == 4 and len(rows) == 2
    assert not (isolated / "logs" / "requests.csv").exists() and not (isolated / "logs" / "votes.csv").exists()
    from llm_core.store.csv_store import default_store

    assert default_store().read_votes().frame["winner"].tolist() == [rated]
