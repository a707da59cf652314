"""A bad model catalog is explained (file, entry, field), and the app, the API and the CLI keep working without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from streamlit.testing.v1 import AppTest

from llm_core import CatalogError, load_catalog
from llm_core.api.server import create_app
from llm_core.catalog import SHIPPED_CATALOG
from tests.catalogs import echo_model, write_catalog

ROOT = Path(__file__).parents[1]
APP = ROOT / "streamlit_app.py"
ENTRY = {"label": "Mine", "provider": "openai", "name": "gpt-4o-mini"}
LIVE_KEY = "sk-proj-liveKEYinTHEcatalog0000aaaa1111"


@pytest.fixture
def broken_catalog(isolated, monkeypatch) -> Path:
    """A user catalog whose one entry falls back to a model that does not exist."""
    folder = isolated / "conf"
    folder.mkdir()
    path = write_catalog(folder / "mine.toml", {"mine": {**ENTRY, "fallbacks": ["no-such-model"]}})
    monkeypatch.setenv("SWITCHBOARD_MODELS", str(path))
    return path


def catalog_error(isolated, models: dict[str, dict]) -> str:
    """The message load_catalog() gives for ./models.toml with these entries."""
    write_catalog(isolated / "models.toml", models)
    with pytest.raises(CatalogError) as caught:
        load_catalog()
    return str(caught.value)


# --- one bad entry: the app, the API and the CLI still work, and say what is wrong ---------------------------------


def test_an_unknown_fallback_names_the_file_the_entry_and_the_field(broken_catalog):
    with pytest.raises(CatalogError) as caught:
        load_catalog()
    message = str(caught.value)
    assert str(broken_catalog) in message and "'mine'" in message and "fallbacks" in message
    assert "'no-such-model'" in message


def test_a_bad_user_catalog_leaves_every_api_route_working_and_config_says_why(broken_catalog):
    client = TestClient(create_app())

    answer = client.post("/generate?model=echo", json={"prompt": "hello", "options": {"max_tokens": 3}})
    models = client.get("/models")
    config = client.get("/config").json()

    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    assert models.status_code == 200 and "echo" in {m["id"] for m in models.json()}
    assert "mine" not in {m["id"] for m in models.json()}
    problem = config["catalog_problem"]
    assert str(broken_catalog) in problem and "'mine'" in problem and "fallbacks" in problem
    assert config["catalog_sources"] == [str(SHIPPED_CATALOG)]


def test_a_good_catalog_reports_no_problem_on_the_api(isolated):
    write_catalog(isolated / "models.toml", {"quick": echo_model("Quick", "q")})
    config = TestClient(create_app()).get("/config").json()
    assert config["catalog_problem"] is None and len(config["catalog_sources"]) == 2


def catalog_warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "mine.toml" in w.value]


def test_compare_shows_the_catalog_problem_once_and_answers_with_the_shipped_models(broken_catalog):
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not at.exception, at.exception
    [warning] = catalog_warnings(at)
    assert "'mine'" in warning and "fallbacks" in warning and "Traceback" not in warning

    at.chat_input(key="prompt").set_value("hello there").run()

    assert not at.exception, at.exception
    assert len(catalog_warnings(at)) == 1
    replies = [m.markdown[0].value for m in at.chat_message if m.name == "assistant" and m.markdown]
    assert any("You said: hello there" in r for r in replies)


def test_settings_shows_the_catalog_problem_once(broken_catalog):
    at = AppTest.from_file(str(APP), default_timeout=30).run().switch_page("pages/settings.py").run()
    assert not at.exception, at.exception
    [warning] = catalog_warnings(at)
    assert "'mine'" in warning and "fallbacks" in warning


def test_the_cli_warns_about_a_bad_catalog_and_lists_the_shipped_models(broken_catalog):
    done = subprocess.run(
        [sys.executable, "-m", "llm_core", "models"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert "echo" in done.stdout and "mine " not in done.stdout
    assert str(broken_catalog) in done.stderr and "fallbacks" in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("no-such-model") == 1


# --- catalog mistakes that used to pass: each names the file, the entry and the field ---------------------------


def test_two_entries_claiming_one_alias_are_both_named(isolated):
    message = catalog_error(isolated, {"one": {**ENTRY, "aliases": ["fast"]}, "two": {**ENTRY, "aliases": ["fast"]}})
    assert "models.toml" in message and "'one'" in message and "'two'" in message
    assert "aliases" in message and "'fast'" in message


def test_an_alias_claimed_by_a_shipped_entry_names_both_files(isolated):
    message = catalog_error(isolated, {"mine": {**ENTRY, "aliases": ["llama"]}})
    assert str(isolated / "models.toml") in message and "'mine'" in message and "'llama'" in message
    assert str(SHIPPED_CATALOG) in message


def test_an_alias_that_is_another_entrys_id_is_refused(isolated):
    message = catalog_error(isolated, {"mine": {**ENTRY, "aliases": ["echo"]}})
    assert "'mine'" in message and "aliases" in message and "'echo'" in message


def test_an_api_key_in_the_catalog_is_refused_without_echoing_it(isolated):
    message = catalog_error(isolated, {"mine": {**ENTRY, "api_key": LIVE_KEY}})
    assert "models.toml" in message and "'mine'" in message and "api_key" in message
    assert "OPENAI_API_KEY" in message and LIVE_KEY not in message


def test_an_api_key_for_a_custom_endpoint_points_to_api_key_var(isolated):
    custom = {**ENTRY, "base_url": "http://gpu:8000/v1", "api_key": LIVE_KEY}
    message = catalog_error(isolated, {"box": custom})
    assert "'box'" in message and "api_key_var" in message and LIVE_KEY not in message


@pytest.mark.parametrize(
    "settings, field",
    [
        ({"tokens_per_s": 0}, "settings.tokens_per_s"),
        ({"tokens_per_s": float("inf")}, "settings.tokens_per_s"),
        ({"ttft_ms": -5}, "settings.ttft_ms"),
        ({"style": "poem"}, "settings.style"),
        ({"tokens_per_sec": 50}, "settings.tokens_per_sec"),
    ],
)
def test_echo_settings_that_would_hang_or_be_ignored_are_refused(isolated, settings, field):
    entry = {"label": "Slow", "provider": "echo", "name": "slow", "settings": settings}
    message = catalog_error(isolated, {"slow": entry})
    assert "models.toml" in message and "'slow'" in message and field in message
