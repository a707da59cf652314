"""The store contract runs against every backend: CSV files, SQLite, and a real PostgreSQL server.

PostgreSQL is found through $SWITCHBOARD_TEST_POSTGRES_URL (`.ci/run` starts a throwaway cluster and sets it);
each test gets a database of its own, dropped afterwards. Without the variable the PostgreSQL cases skip saying
why, except in CI ($CI set), where they fail: CI must never skip a backend.
"""

from __future__ import annotations

import os
import uuid

import pytest

POSTGRES_VARIABLE = "SWITCHBOARD_TEST_POSTGRES_URL"
BACKENDS = ["csv", "sqlite", "postgresql"]


def postgres_admin_url() -> str:
    """The test server's URL, or skip (fail in CI) saying how to get one."""
    url = os.environ.get(POSTGRES_VARIABLE, "").strip()
    if not url:
        reason = f"no PostgreSQL server: set {POSTGRES_VARIABLE} (bash .ci/run starts one)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests, but there is {reason}")
        pytest.skip(reason)
    return url


@pytest.fixture
def postgres_url():
    """The URL of a fresh, empty PostgreSQL database for this test (dropped after it)."""
    import sqlalchemy as sa

    from llm_core.store.database import database_url, forget_engines

    admin = sa.create_engine(database_url(postgres_admin_url()), isolation_level="AUTOCOMMIT")
    name = f"switchboard_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)
    finally:
        forget_engines()  # close the pool's connections, or the database cannot be dropped
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def backend_url(backend: str, request: pytest.FixtureRequest, folder) -> str | None:
    """The SWITCHBOARD_DATABASE_URL for a backend: None for CSV, a file for SQLite, a fresh database for PostgreSQL."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'switchboard.db'}"
    if backend == "postgresql":
        return request.getfixturevalue("postgres_url")
    return None


@pytest.fixture(params=BACKENDS)
def backend(request, isolated, monkeypatch) -> str:
    """Each backend in turn, chosen the way a user chooses it: SWITCHBOARD_DATABASE_URL set, or not."""
    url = backend_url(request.param, request, isolated)
    if url:
        monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", url)
    yield request.param
    from llm_core.store.database import forget_engines

    forget_engines()


@pytest.fixture
def any_store(backend):
    """The default store on each backend in turn (CSV, SQLite, PostgreSQL)."""
    from llm_core.store.csv_store import default_store

    return default_store()
