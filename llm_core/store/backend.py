"""Which log store this process uses: a database when a URL is configured, else the CSV files.

The URL comes from the app's Streamlit secrets (`SWITCHBOARD_DATABASE_URL`, or Streamlit's own convention,
`[connections.switchboard]` with `url = ...`), else the environment's `SWITCHBOARD_DATABASE_URL`. Its password is
registered as a secret at once, so it is scrubbed from anything shown or logged. Importing this module is cheap:
the database backend (SQLAlchemy) and the CSV one (pandas) load only when a store is made.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from ..redact import register_secret

if TYPE_CHECKING:
    from .csv_store import LogStore

DATABASE_URL_VARIABLE = "SWITCHBOARD_DATABASE_URL"
CONNECTION_NAME = "switchboard"  # [connections.switchboard] in secrets.toml, as st.connection("switchboard") reads

_from_secrets: dict[str, str] = {}


def use_secrets(secrets: Mapping | None) -> None:
    """Take the database URL from the app's secrets (called by `llm_core.configure`); none there clears it."""
    _from_secrets.clear()
    secrets = secrets or {}
    connection = (secrets.get("connections") or {}).get(CONNECTION_NAME) or {}
    url = secrets.get(DATABASE_URL_VARIABLE) or (connection.get("url") if isinstance(connection, Mapping) else None)
    if isinstance(url, str) and url.strip():
        _from_secrets["url"] = url.strip()
        register_url_password(url)


def database_url() -> tuple[str | None, str]:
    """The configured database URL and where it was set ("secrets" or "environment"); (None, "") for CSV."""
    if url := _from_secrets.get("url"):
        return url, "secrets"
    if url := os.environ.get(DATABASE_URL_VARIABLE, "").strip():
        register_url_password(url)
        return url, "environment"
    return None, ""


def register_url_password(url: str) -> None:
    """Scrub a database URL's password from everything shown or logged, like a provider's key."""
    try:
        password = urlsplit(url).password
    except ValueError:  # not a URL at all: nothing to pick out, and the store says what is wrong with it
        return
    if password:
        register_secret(password)
        register_secret(unquote(password))


def chosen_store() -> LogStore:
    """The log store for this process: the database at the configured URL, else the CSV folder."""
    url, _ = database_url()
    if url:
        from .database import DatabaseStore

        return DatabaseStore(url)
    from .csv_store import LogStore

    return LogStore()
