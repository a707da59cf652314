"""Shared fixtures: every test gets its own log directory and an environment with no real keys."""

from __future__ import annotations

import pytest

from llm_core.analytics.access import attempts as analytics_password_attempts
from llm_core.config import configure
from llm_core.providers._clients import forget_clients
from llm_core.redact import forget_secrets

PROVIDER_VARIABLES = [
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "GROQ_API_KEY",
    "GROQ_BASE_URL",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GEMINI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OPENROUTER_API_KEY",
    "OPENROUTER_BASE_URL",
    "OLLAMA_BASE_URL",
    "SWITCHBOARD_MODELS",
    "SWITCHBOARD_TEMPLATES",
    "SWITCHBOARD_API_TOKEN",
    "SWITCHBOARD_ANALYTICS_PASSWORD",
    "SWITCHBOARD_CORS_ORIGINS",
    "SWITCHBOARD_MAX_BODY_BYTES",
    "SWITCHBOARD_MAX_ATTEMPTS",
    "SWITCHBOARD_INITIAL_BACKOFF_S",
    "SWITCHBOARD_MAX_BACKOFF_S",
    "SWITCHBOARD_MAX_RETRY_AFTER_S",
    "SWITCHBOARD_CONNECT_TIMEOUT_S",
    "SWITCHBOARD_READ_TIMEOUT_S",
    "SWITCHBOARD_TOTAL_TIMEOUT_S",
    "SWITCHBOARD_DATABASE_URL",  # logs go to CSV unless a test chooses a database
]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """A fresh log directory, no provider keys, and no Ollama server to discover."""
    for name in PROVIDER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SWITCHBOARD_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("OLLAMA_BASE_URL", "http://127.0.0.1:9")  # discard port: nothing answers
    monkeypatch.chdir(tmp_path)
    configure({})  # no Streamlit secrets carried over from another test
    yield tmp_path
    configure({})
    forget_clients()  # no SDK client (and its open connections) carried over either
    forget_secrets()  # nor a key another test registered for scrubbing
    analytics_password_attempts.forget()  # nor another test's wrong passwords


@pytest.fixture
def store(isolated):
    """The log store in this test's own folder (where the default store writes too)."""
    from llm_core.store.csv_store import LogStore  # imported on use: it brings pandas

    return LogStore(isolated / "logs")


@pytest.fixture(scope="session")
def loopback_servers():
    """One loopback server per wire format for the whole run (starting them per test would only add time)."""
    from tests.loopback import anthropic_server, gemini_server, openai_server

    with openai_server() as openai, gemini_server() as gemini, anthropic_server() as anthropic:
        yield {"openai": openai, "gemini": gemini, "anthropic": anthropic}


@pytest.fixture
def openai_server(loopback_servers):
    """The OpenAI-style loopback server (it also answers Groq's /openai/v1 paths), reset for this test."""
    loopback_servers["openai"].reset()
    return loopback_servers["openai"]


@pytest.fixture
def gemini_server(loopback_servers):
    """The loopback server speaking the Gemini API, reset for this test."""
    loopback_servers["gemini"].reset()
    return loopback_servers["gemini"]


@pytest.fixture
def anthropic_server(loopback_servers):
    """The loopback server speaking Anthropic's Messages API, reset for this test."""
    loopback_servers["anthropic"].reset()
    return loopback_servers["anthropic"]


@pytest.fixture
def fallback_servers(isolated, monkeypatch):
    """Two OpenAI-style servers behind catalog models `primary` (falls back to `backup`) and `backup`."""
    monkeypatch.setenv("OPENAI_API_KEY", "test-key-not-real-1234")
    monkeypatch.setenv("SWITCHBOARD_INITIAL_BACKOFF_S", "0.05")
    from tests.loopback import openai_server as serve_openai

    with serve_openai() as primary, serve_openai() as backup:
        (isolated / "models.toml").write_text(
            f'[models.primary]\nlabel = "Primary"\nprovider = "openai"\nname = "primary-model"\n'
            f'base_url = "{primary.base_url}"\ninput_price = 1.0\noutput_price = 2.0\nfallbacks = ["backup"]\n'
            f'[models.backup]\nlabel = "Backup"\nprovider = "openai"\nname = "backup-model"\n'
            f'base_url = "{backup.base_url}"\ninput_price = 0.5\noutput_price = 0.5\n'
        )
        yield primary, backup
