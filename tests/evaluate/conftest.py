"""Evaluation fixtures: offline echo models (one slow, one priced) and a suite file written per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.catalogs import echo_model, use_catalog

MODELS = {
    "echo": echo_model("Echo · mirror (offline demo)", "echo-mirror", style="mirror"),
    "echo-outline": echo_model("Echo · outline (offline demo)", "echo-outline", style="outline"),
    "echo-slow": echo_model("Slow echo", "slow", ttft_ms=400, style="mirror"),
    "echo-priced": echo_model("Priced echo", "priced", price=(1000.0, 1000.0), style="mirror"),  # $0.001 a token
}

SUITE = """
name = "greetings"
models = ["echo", "echo-outline"]
[[cases]]
id = "hello"
prompt = "Say hello to Ada"
assert = [{ type = "icontains", value = "ada" }]
[[cases]]
id = "bye"
prompt = "Say goodbye to Grace"
assert = [{ type = "contains", value = "Grace" }, { type = "max-latency-ms", value = 60000 }]
[[cases]]
id = "thanks"
prompt = "Say thanks to Linus"
assert = [{ type = "not-contains", value = "Torvalds" }]
"""


@pytest.fixture
def models(isolated, monkeypatch, openai_server) -> Path:
    """The test catalog: echo models, and OpenAI-style models on the loopback server (a priced one, a judge)."""
    monkeypatch.setenv("OPENAI_API_KEY", "test-key-not-real-5678")
    loopback = {"provider": "openai", "base_url": openai_server.base_url}
    return use_catalog(
        isolated,
        monkeypatch,
        {
            **MODELS,
            "loop-priced": {"label": "Priced loopback", "name": "priced", "input_price": 1000.0,
                            "output_price": 1000.0, **loopback},
            "loop-judge": {"label": "Loopback judge", "name": "judge", "input_price": 0.0, "output_price": 0.0,
                           **loopback},
        },
    )  # fmt: skip


@pytest.fixture
def priced_server(models, openai_server):
    """The loopback server behind `loop-priced` and `loop-judge`."""
    return openai_server


@pytest.fixture
def suite_file(isolated, models) -> Path:
    """A three-case suite that every echo model passes (the echo repeats the prompt)."""
    path = isolated / "greetings.toml"
    path.write_text(SUITE, encoding="utf-8")
    return path
