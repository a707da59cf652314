"""What only the database backend does: concurrent writers, WAL, migrating an older schema, failing clearly."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest
import sqlalchemy as sa

from llm_core.record import Result
from llm_core.redact import redact
from llm_core.store.csv_store import default_store
from llm_core.store.database import DatabaseStore, forget_engines

WRITERS, ROWS_EACH = 4, 50


def answer(**fields) -> Result:
    values = dict(model="echo", requested_model="echo", provider="echo", prompt="hi", text="hello", status="ok")
    values.update(fields)
    return Result(**values)


def write_rows(writer: int) -> None:
    """One process's share: a response and a rating per row, through the default store as the app writes."""
    store = default_store()
    for n in range(ROWS_EACH):
        r = answer(prompt=f"{writer}-{n}")
        assert store.append_response(r) == ""
        store.append_rating(r.request_id, 1 + n % 5)


@pytest.mark.timeout(120)
def test_four_processes_writing_at_once_lose_no_row(backend):
    store = default_store()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=write_rows, args=(w,)) for w in range(WRITERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [w.exitcode for w in workers] == [0] * WRITERS
    frame = store.read_requests().frame
    assert sorted(frame["prompt"]) == sorted(f"{w}-{n}" for w in range(WRITERS) for n in range(ROWS_EACH))
    assert frame["stars"].notna().all()


def test_sqlite_runs_in_wal_mode(isolated):
    store = DatabaseStore(f"sqlite:///{isolated / 'logs.db'}")
    store.append_response(answer())
    with sqlite3.connect(isolated / "logs.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_older_database_gains_the_new_columns_and_keeps_its_rows(isolated):
    path = isolated / "old.db"
    with sqlite3.connect(path) as connection:  # the schema of a version that had only the first columns
        connection.execute(
            "CREATE TABLE requests (row_id INTEGER PRIMARY KEY, timestamp DATETIME, request_id TEXT, prompt TEXT)"
        )
        connection.execute("INSERT INTO requests VALUES (1, '2026-01-02 03:04:05.000000', 'old-1', 'from before')")
    store = DatabaseStore(f"sqlite:///{path}")
    assert store.append_response(answer(prompt="new", finish_reason="stop")) == ""
    frame = store.read_requests().frame
    assert list(frame["prompt"]) == ["from before", "new"]
    assert list(frame["finish_reason"]) == ["", "stop"]
    assert str(frame["timestamp"][0]) == "2026-01-02 03:04:05+00:00"


def test_a_database_that_cannot_be_reached_costs_a_warning_not_the_answer_and_never_shows_the_password(monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", "postgresql://alice:Sup3rSecretPw@127.0.0.1:9/logs")
    warning = default_store().append_response(answer())
    assert warning.startswith("This answer was not saved to the log:") and "127.0.0.1" in warning
    assert "Sup3rSecretPw" not in warning and "SWITCHBOARD_DATABASE_URL" in warning
    assert "Sup3rSecretPw" not in redact("postgresql://alice:Sup3rSecretPw@db.example/logs")
    forget_engines()


def test_a_url_that_is_not_a_database_url_is_named_in_the_warning(monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", "not a url at all")
    warning = default_store().append_response(answer())
    assert "SWITCHBOARD_DATABASE_URL is not a database URL" in warning and "sqlite:///" in warning


def test_streamlit_connection_secrets_choose_the_database(isolated):
    from llm_core.config import configure

    configure({"connections": {"switchboard": {"url": f"sqlite:///{isolated / 'from-secrets.db'}"}}})
    store = default_store()
    assert store.kind == "SQLite" and store.location.endswith("from-secrets.db")
    store.append_response(answer())
    assert (isolated / "from-secrets.db").exists()
    configure({})
    assert default_store().kind == "CSV files"


def test_a_duplicate_request_id_is_refused_with_a_clear_warning(isolated):
    store = DatabaseStore(f"sqlite:///{isolated / 'dup.db'}")
    r = answer()
    assert store.append_response(r) == ""
    warning = store.append_response(r)
    assert "already logged" in warning and "INSERT" not in warning
    with sa.create_engine(f"sqlite:///{isolated / 'dup.db'}").connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM requests").scalar() == 1


def test_a_password_in_any_url_is_scrubbed_even_when_never_configured():
    text = "could not connect to postgresql+psycopg://bob:n0tRegistered99@db.example:5432/logs?sslmode=require"
    scrubbed = redact(text)
    assert "n0tRegistered99" not in scrubbed
    assert "postgresql+psycopg://bob:[REDACTED]@db.example:5432/logs?sslmode=require" in scrubbed
    assert redact("see https://example.com/a@b and http://localhost:8080/x") == (
        "see https://example.com/a@b and http://localhost:8080/x"
    )  # no password there: nothing to scrub


def test_a_database_that_would_not_open_is_not_waited_on_again_at_every_append(monkeypatch):
    from llm_core.store import database

    opened = []
    real = database._new_engine
    monkeypatch.setattr(database, "_new_engine", lambda url: opened.append(url) or real(url))
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", "postgresql://alice:pw@127.0.0.1:9/logs")
    first, second = (default_store().append_response(answer()) for _ in range(2))
    assert first == second and "Connection refused" in first
    assert len(opened) == 1  # the second append failed at once, with the same words
    forget_engines()
    assert "Connection refused" in default_store().append_response(answer()) and len(opened) == 2


def test_a_connection_the_server_dropped_costs_neither_an_append_nor_a_read(postgres_url):
    store = DatabaseStore(postgres_url)
    assert store.append_response(answer(prompt="before")) == ""
    assert len(store.read_requests(["prompt"]).frame) == 1
    admin = sa.create_engine(postgres_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:  # the server ends every pooled connection, as a restart or idle timeout does
        dropped = connection.execute(
            sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :name"),
            {"name": sa.make_url(postgres_url).database},
        ).scalar()
    admin.dispose()
    assert dropped >= 1
    assert store.append_response(answer(prompt="after")) == ""
    frame = store.read_requests(["prompt"]).frame
    assert sorted(store.read_requests(["prompt"]).texts.rows(range(len(frame)), ["prompt"])["prompt"]) == [
        "after", "before"
    ]  # fmt: skip
