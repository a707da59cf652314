"""Every configured key is scrubbed from what a user or a log sees, however short it is."""

from __future__ import annotations

import pytest

from llm_core import Config, ask
from llm_core.store.csv_store import default_store
from tests.loopback import Behaviour


@pytest.mark.parametrize("short_key", ["Zq7", "k3y9x"])
def test_a_short_key_never_reaches_the_log(openai_server, short_key):
    """The loopback server quotes a rejected key back in full, as a careless proxy might."""
    openai_server.script(Behaviour(status=401))
    config = Config(session={"OPENAI_API_KEY": short_key, "OPENAI_BASE_URL": openai_server.base_url})

    result = ask("gpt-4o-mini", "hello", config=config)

    assert result.status == "error" and openai_server.last.headers["authorization"] == f"Bearer {short_key}"
    logged = default_store().find_request(result.request_id)
    assert short_key not in logged["error"] and short_key not in result.error


def test_a_short_key_is_scrubbed_where_it_stands_but_words_containing_it_stay_readable():
    """A one-letter key must not turn 'incomplete chunked read' into 'incomplete chun[REDACTED]ed read'."""
    from llm_core.redact import redact, register_secret

    register_secret("k")

    assert redact("groq: incomplete chunked read") == "groq: incomplete chunked read"
    assert redact("Incorrect API key provided: k.") == "Incorrect API key provided: [REDACTED]."
    assert redact("GET /v1/models?key=k&x=1") == "GET /v1/models?key=[REDACTED]&x=1"
