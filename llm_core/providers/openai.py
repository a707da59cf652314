"""OpenAI chat completions, and every OpenAI-compatible endpoint (OpenRouter, Ollama, vLLM): only the base URL differs.

Usage comes in a last chunk with empty choices, because the request sets stream_options.include_usage.
Official OpenAI (no base URL, or api.openai.com) gets `max_completion_tokens`, which its reasoning models require;
compatible servers get `max_tokens`, which they all understand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from ..options import Options
from ..record import Message
from ._clients import Reader, SdkProvider, field
from .base import Chunk

OPENAI_URL = "https://api.openai.com/v1"


def chat_request_options(options: Options, token_limit: str = "max_tokens") -> dict[str, Any]:
    """The options an OpenAI-style chat request carries; unset ones are left out for the model's defaults."""
    values = {"temperature": options.temperature, token_limit: options.max_tokens, "top_p": options.top_p}
    return {name: value for name, value in values.items() if value is not None}


def chat_chunks(
    events: Iterable[Any], usage_of: Callable[[Any], Any] = lambda event: field(event, "usage")
) -> Iterator[Chunk]:
    """Chunks from OpenAI-style chat completion chunks: text, finish reason, and usage wherever `usage_of` finds it."""
    read = chat_reader(usage_of)
    for event in events:
        yield from read(event)


def chat_reader(usage_of: Callable[[Any], Any] = lambda event: field(event, "usage")) -> Reader:
    """Reads one OpenAI-style chat completion chunk into the Chunk it carries (none for an empty one)."""

    def read(event: Any) -> list[Chunk]:
        choices = field(event, "choices")
        choice = choices[0] if isinstance(choices, list) and choices else None
        text = field(choice, "delta", "content") or ""
        finish = field(choice, "finish_reason")
        usage = usage_of(event)
        thought = bool(field(choice, "delta", "reasoning") or field(choice, "delta", "reasoning_content"))
        if not (text or finish or usage or thought):
            return []
        return [
            Chunk(
                text=text,
                finish_reason=finish,
                thought=thought,  # Groq's and OpenRouter's `reasoning`, DeepSeek's `reasoning_content`: not the answer
                prompt_tokens=field(usage, "prompt_tokens"),
                completion_tokens=billed_output_tokens(usage),
                response_model=field(event, "model"),
                reasoning_tokens=field(usage, "completion_tokens_details", "reasoning_tokens"),
                cached_prompt_tokens=field(usage, "prompt_tokens_details", "cached_tokens"),
                provider_cost_usd=_number(field(usage, "cost")),
            )
        ]

    return read


def billed_output_tokens(usage: Any) -> int | None:
    """Every output token billed, reasoning included, however the provider counts them.

    OpenAI, Groq and OpenRouter count reasoning inside `completion_tokens`; xAI reports it only in
    `completion_tokens_details.reasoning_tokens` and `total_tokens`. The total tells them apart."""
    completion = field(usage, "completion_tokens")
    reasoning = field(usage, "completion_tokens_details", "reasoning_tokens") or 0
    prompt, total = field(usage, "prompt_tokens"), field(usage, "total_tokens")
    if completion is None or not reasoning or prompt is None or total is None:
        return completion
    return completion + reasoning if prompt + completion + reasoning == total else completion


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _is_official(base_url: str | None) -> bool:
    return base_url is None or urlsplit(base_url).hostname == "api.openai.com"


class OpenAIProvider(SdkProvider):
    """Streams chat completions through the `openai` SDK, from api.openai.com or any compatible base URL.

    Error messages name the key variable from `endpoint.settings["key_var"]` (e.g. OPENROUTER_API_KEY),
    else OPENAI_API_KEY.
    """

    name = "openai"
    key_var = "OPENAI_API_KEY"
    sdk = "openai"
    client_class = "OpenAI"
    async_client_class = "AsyncOpenAI"
    error_class = "OpenAIError"
    resource = "chat.completions"
    path = "/chat/completions"
    default_url = OPENAI_URL

    def _request(self, model: str, messages: list[Message], options: Options) -> dict[str, Any]:
        token_limit = "max_completion_tokens" if _is_official(self.endpoint.base_url) else "max_tokens"
        return {
            "model": model,
            "messages": messages,
            "stream_options": {"include_usage": True},
            **chat_request_options(options, token_limit),
        }

    def _reader(self) -> Reader:
        return chat_reader()
