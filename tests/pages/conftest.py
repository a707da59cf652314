"""Fixtures for the page tests: the app through its router, as a first visitor opens it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).parents[2] / "streamlit_app.py"


@pytest.fixture
def at() -> AppTest:
    """The app's first run (after each test module's autouse fixtures have set its catalog and environment)."""
    app = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not app.exception
    return app
