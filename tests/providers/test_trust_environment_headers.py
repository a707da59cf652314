"""The SDKs add headers from their own environment variables to every request; Switchboard sends none of them, so
a custom endpoint or another provider never receives the operator's organisation, proxy token or Authorization."""

from __future__ import annotations

import pytest

from llm_core import Config, ask
from llm_core.catalog import Model
from tests.loopback import Behaviour

OPERATOR_HEADERS = {
    "OPENAI_ORG_ID": "org-operator",
    "OPENAI_PROJECT_ID": "proj-operator",
    "OPENAI_CUSTOM_HEADERS": "X-Proxy-Token: operator-proxy-token\nAuthorization: Bearer operator-env-token",
    "GROQ_CUSTOM_HEADERS": "X-Proxy-Token: operator-proxy-token",
    "ANTHROPIC_CUSTOM_HEADERS": "X-Proxy-Token: operator-proxy-token\nx-api-key: operator-env-token",
}


@pytest.fixture
def operator_environment(monkeypatch):
    for name, value in OPERATOR_HEADERS.items():
        monkeypatch.setenv(name, value)


def assert_nothing_from_the_environment(headers) -> None:
    sent = {name.lower(): value for name, value in headers.items()}
    assert "x-proxy-token" not in sent
    assert "openai-organization" not in sent and "openai-project" not in sent
    assert "operator-env-token" not in " ".join(sent.values())


def test_custom_endpoint_gets_no_header_from_the_operators_environment(openai_server, operator_environment):
    model = Model(id="box/m", label="m (box)", provider="openai", name="m", base_url=openai_server.base_url)

    result = ask(model, "hello", config=Config())

    assert result.status == "ok"
    assert openai_server.last.headers["authorization"] == "Bearer no-key-needed"
    assert_nothing_from_the_environment(openai_server.last.headers)


@pytest.mark.parametrize("provider", ["openrouter", "groq"])
def test_other_providers_on_a_stainless_sdk_get_no_header_from_the_environment(
    openai_server, operator_environment, provider
):
    variable = provider.upper()
    base_url = openai_server.base_url if provider == "openrouter" else openai_server.url
    config = Config(session={f"{variable}_API_KEY": "sk-or-v1-sessionkey0000", f"{variable}_BASE_URL": base_url})

    result = ask(f"{provider}:some-model", "hello", config=config)

    assert result.status == "ok", result.error
    assert openai_server.last.headers["authorization"] == "Bearer sk-or-v1-sessionkey0000"
    assert_nothing_from_the_environment(openai_server.last.headers)


def test_anthropic_gets_its_own_key_not_one_from_custom_headers(anthropic_server, operator_environment):
    anthropic_server.script(Behaviour())
    config = Config(session={"ANTHROPIC_API_KEY": "sk-ant-sessionkey0000", "ANTHROPIC_BASE_URL": anthropic_server.url})

    result = ask("anthropic:claude-haiku", "hello", config=config)

    assert result.status == "ok", result.error
    headers = anthropic_server.last.headers
    assert "sk-ant-sessionkey0000" in (headers.get("x-api-key") or headers.get("authorization"))
    assert_nothing_from_the_environment(anthropic_server.last.headers)
