"""Settings names the log store in use (never a database password) and explains keeping logs in a database."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import llm_core
from llm_core.store.csv_store import default_store
from llm_core.store.database import forget_engines
from tests.app_support import settings_page

PASSWORD = "Sup3rSecretPw"


@pytest.fixture(autouse=True)
def nothing_left_behind():
    """Forget any database engine a test opened (the isolated fixture forgets the secrets)."""
    yield
    forget_engines()


def everything_shown(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "code", "success", "warning", "error") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def test_with_no_setting_the_csv_folder_is_named_and_its_loss_on_restart_explained(isolated):
    at = settings_page()
    shown = everything_shown(at)
    assert not at.exception
    assert f"CSV files in `{isolated / 'logs'}`" in shown and "restarts" in shown
    assert "SWITCHBOARD_DATABASE_URL" in shown and "[connections.switchboard]" in shown and "logs import" in shown


def test_a_database_from_secrets_is_named_without_its_password():
    at = settings_page({"SWITCHBOARD_DATABASE_URL": f"postgresql://alice:{PASSWORD}@127.0.0.1:9/logs"})
    shown = everything_shown(at)
    assert not at.exception
    assert "PostgreSQL database `postgresql+psycopg://alice:***@127.0.0.1:9/logs` (set in secrets)" in shown
    assert "The logs cannot be saved now" in shown and "Connection refused" in shown
    assert PASSWORD not in shown


def test_a_sqlite_database_in_the_environment_is_named_and_offers_its_logs_as_csv(isolated, monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", f"sqlite:///{isolated / 'switchboard.db'}")
    llm_core.ask("echo", "log me", store=default_store())
    at = settings_page()
    assert "SQLite database" in everything_shown(at) and "(set in environment)" in everything_shown(at)
    assert {b.label for b in at.get("download_button")} == {"requests.csv", "ratings.csv", "votes.csv"}
