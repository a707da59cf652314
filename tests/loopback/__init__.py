"""Loopback servers that speak each provider's wire format, for tests, benchmarks and the browser test.

with openai_server() as server:
    server.script(Behaviour(status=429, retry_after=2), Behaviour(reply="Hello world"))
    ...  # point the SDK at server.base_url
    assert server.last.body["stream_options"] == {"include_usage": True}
"""

from __future__ import annotations

from .anthropic_wire import AnthropicWire
from .behaviour import Behaviour, Pacer
from .gemini_wire import GeminiWire, invalid_key_body
from .openai_wire import OpenAIWire
from .server import LoopbackServer
from .wire import Received

WIRES = {"openai": OpenAIWire, "gemini": GeminiWire, "anthropic": AnthropicWire}


def openai_server(port: int = 0) -> LoopbackServer:
    """OpenAI-style chat completions (OpenAI, OpenRouter, Ollama, vLLM; Groq under /openai/v1)."""
    return LoopbackServer(OpenAIWire(), port)


def gemini_server(port: int = 0) -> LoopbackServer:
    """The Gemini API's streamGenerateContent and models listing."""
    return LoopbackServer(GeminiWire(), port)


def anthropic_server(port: int = 0) -> LoopbackServer:
    """Anthropic's Messages API event stream and models listing."""
    return LoopbackServer(AnthropicWire(), port)


__all__ = [
    "WIRES",
    "Behaviour",
    "LoopbackServer",
    "Pacer",
    "Received",
    "anthropic_server",
    "gemini_server",
    "invalid_key_body",
    "openai_server",
]
