"""Anthropic's Messages API through the `anthropic` SDK, streamed as raw events.

System messages become the `system` parameter. Anthropic requires max_tokens: when the options leave it
unset, DEFAULT_MAX_TOKENS is sent. The API (version 2026-10-21, which this SDK speaks) rejects every
sampling parameter, so temperature or top_p raise a clear error instead of being sent or dropped.
Prompt tokens are counted when the message starts (cache reads and writes included); output tokens
and the stop reason arrive in message_delta.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import ProviderError
from ..options import Options
from ..record import Message
from ._clients import Reader, SdkProvider, field
from .base import Chunk

ANTHROPIC_URL = "https://api.anthropic.com"
DEFAULT_MAX_TOKENS = 1024  # Anthropic rejects a request without max_tokens
UNSUPPORTED_OPTIONS = ("temperature", "top_p")  # sampling parameters the API rejects at any value


def anthropic_request(model: str, messages: list[Message], options: Options) -> dict[str, Any]:
    """The keyword arguments of messages.create for a conversation."""
    if unsupported := [name for name in UNSUPPORTED_OPTIONS if getattr(options, name) is not None]:
        raise ProviderError(
            f"anthropic: the Messages API no longer accepts {' or '.join(unsupported)}; leave it unset for Claude.",
            kind="bad_request",
            provider="anthropic",
        )
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    request: dict[str, Any] = {
        "model": model,
        "messages": [m for m in messages if m["role"] != "system"],
        "max_tokens": options.max_tokens or DEFAULT_MAX_TOKENS,
    }
    if system:
        request["system"] = system
    return request


def anthropic_chunks(events: Iterable[Any]) -> Iterator[Chunk]:
    """Chunks from raw message stream events: text deltas, usage, and the stop reason."""
    read = anthropic_reader()
    for event in events:
        yield from read(event)


def anthropic_reader() -> Reader:
    """Reads one answer's raw message stream events, one at a time, into the Chunks they carry."""
    finished = False

    def read(event: Any) -> list[Chunk]:
        nonlocal finished
        kind = field(event, "type")
        if kind == "message_start":
            usage = field(event, "message", "usage")
            return [Chunk(prompt_tokens=_prompt_tokens(usage), response_model=field(event, "message", "model"),
                          **_cache_tokens(usage))]  # fmt: skip
        if kind == "content_block_delta" and field(event, "delta", "type") == "text_delta":
            return [Chunk(text=field(event, "delta", "text") or "")]
        if kind == "content_block_delta" and field(event, "delta", "type") == "thinking_delta":
            return [Chunk(thought=True)]  # counted in output_tokens with no figure apart: the rate must leave it out
        if kind == "message_delta":
            stop_reason = field(event, "delta", "stop_reason")
            finished = finished or stop_reason is not None
            usage = field(event, "usage")
            return [
                Chunk(
                    finish_reason=stop_reason,
                    prompt_tokens=_prompt_tokens(usage),
                    completion_tokens=field(usage, "output_tokens"),  # thinking included: Anthropic bills it as output
                    **_cache_tokens(usage),
                )
            ]
        if kind == "message_stop" and not finished:
            return [Chunk(finish_reason="stop")]  # a complete message that gave no stop reason
        return []

    return read


def _cache_tokens(usage: Any) -> dict[str, int]:
    """The cache reads and writes `usage` reports (a message_delta may leave them out: keep what came before)."""
    found = {"cached_prompt_tokens": field(usage, "cache_read_input_tokens"),
             "cache_write_tokens": field(usage, "cache_creation_input_tokens")}  # fmt: skip
    return {name: value for name, value in found.items() if value is not None}


def _prompt_tokens(usage: Any) -> int | None:
    if field(usage, "input_tokens") is None:
        return None
    cached = (field(usage, "cache_creation_input_tokens") or 0) + (field(usage, "cache_read_input_tokens") or 0)
    return usage["input_tokens"] + cached


class AnthropicProvider(SdkProvider):
    """Streams Claude's answers from the Messages API (or any base URL speaking it)."""

    name = "anthropic"
    key_var = "ANTHROPIC_API_KEY"
    unsupported_options = UNSUPPORTED_OPTIONS
    sdk = "anthropic"
    client_class = "Anthropic"
    async_client_class = "AsyncAnthropic"
    error_class = "AnthropicError"
    resource = "messages"
    path = "/v1/messages"
    default_url = ANTHROPIC_URL

    def _request(self, model: str, messages: list[Message], options: Options) -> dict[str, Any]:
        return anthropic_request(model, messages, options)

    def _reader(self) -> Reader:
        return anthropic_reader()
