"""The app as a visitor opens it in AppTest: a fresh browser session, its secrets set before the first run."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "streamlit_app.py"


def open_app(page: str | None = None, secrets: dict | None = None, timeout: float = 30) -> AppTest:
    """The router's first run, then `page` (e.g. "pages/settings.py") when given; secrets are set before the
    first run, as Streamlit reads them when a session starts."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    for name, value in (secrets or {}).items():
        at.secrets[name] = value
    at.run()
    return at.switch_page(page).run() if page else at


def settings_page(secrets: dict | None = None) -> AppTest:
    """A fresh browser session on the Settings page."""
    return open_app("pages/settings.py", secrets)
