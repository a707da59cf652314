"""The provider table: every provider Switchboard speaks, the module that does it, and its variables.

Importing this module imports no SDK: each provider module imports its SDK on first use.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._clients import aclose_clients
from .anthropic import AnthropicProvider
from .base import Chunk, Endpoint, Provider
from .echo import EchoProvider
from .gemini import GeminiProvider
from .groq import GroqProvider
from .openai import OpenAIProvider


@dataclass(frozen=True)
class ProviderSpec:
    """How to reach one provider: the implementation, where its key and base URL come from."""

    name: str
    label: str
    impl: type[Provider]
    key_vars: tuple[str, ...] = ()  # first one set wins; empty means no key needed
    base_url_var: str | None = None
    default_base_url: str | None = None
    openai_path: str = ""  # appended to a base URL to reach its OpenAI-compatible API
    placeholder_key: str | None = None  # sent when the endpoint needs none but the SDK wants one
    probe_path: str = ""  # a keyless local server is ready only when GET base URL + this answers (Ollama's tags)

    @property
    def needs_key(self) -> bool:
        return bool(self.key_vars) and self.placeholder_key is None

    def naming(self, base_url_configured: bool) -> dict[str, str]:
        """How this provider's errors name it and what to check (OpenRouter and Ollama run OpenAIProvider)."""
        url_var = (self.base_url_var or "") if base_url_configured else ""
        return {"provider": self.name, "key_var": self.key_vars[0] if self.key_vars else url_var, "url_var": url_var}


PROVIDERS: dict[str, ProviderSpec] = {
    "openai": ProviderSpec("openai", "OpenAI", OpenAIProvider, ("OPENAI_API_KEY",), "OPENAI_BASE_URL"),
    "groq": ProviderSpec("groq", "Groq", GroqProvider, ("GROQ_API_KEY",), "GROQ_BASE_URL"),
    "gemini": ProviderSpec(
        "gemini", "Google Gemini", GeminiProvider, ("GEMINI_API_KEY", "GOOGLE_API_KEY"), "GEMINI_BASE_URL"
    ),
    "anthropic": ProviderSpec(
        "anthropic", "Anthropic", AnthropicProvider, ("ANTHROPIC_API_KEY",), "ANTHROPIC_BASE_URL"
    ),
    "openrouter": ProviderSpec(
        "openrouter",
        "OpenRouter",
        OpenAIProvider,
        ("OPENROUTER_API_KEY",),
        "OPENROUTER_BASE_URL",
        default_base_url="https://openrouter.ai/api/v1",
    ),
    "ollama": ProviderSpec(
        "ollama",
        "Ollama (local)",
        OpenAIProvider,
        (),
        "OLLAMA_BASE_URL",
        default_base_url="http://localhost:11434",
        openai_path="/v1",
        placeholder_key="ollama",
        probe_path="/api/tags",
    ),
    "echo": ProviderSpec("echo", "Echo (offline demo)", EchoProvider),
}

__all__ = ["PROVIDERS", "ProviderSpec", "Provider", "Endpoint", "Chunk", "aclose_clients"]
