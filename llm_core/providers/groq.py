"""Groq through the `groq` SDK: OpenAI-shaped chunks, so the chunk reading is shared with openai.py.

Groq reports usage in the usage chunk (stream_options.include_usage, sent through extra_body because
the SDK has no argument for it) or, as it long did, in the finishing chunk's `x_groq.usage`.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import Any

from ..options import Options
from ..record import Message
from ._clients import SdkProvider, field
from .base import Chunk
from .openai import chat_chunks, chat_request_options

GROQ_URL = "https://api.groq.com"


def groq_usage(event: Any) -> Any:
    """Usage from the chunk itself, or from Groq's own `x_groq` extension."""
    return field(event, "usage") or field(event, "x_groq", "usage")


class GroqProvider(SdkProvider):
    """Streams chat completions through the `groq` SDK."""

    name = "groq"
    key_var = "GROQ_API_KEY"
    sdk = "groq"
    client_class = "Groq"
    error_class = "GroqError"
    resource = "chat.completions"
    default_url = GROQ_URL

    def _chunks(self, model: str, messages: list[Message], options: Options) -> Generator[Chunk, None, None]:
        with self._events(
            model=model,
            messages=messages,
            extra_body={"stream_options": {"include_usage": True}},  # the API takes it; this SDK has no argument
            **chat_request_options(options, "max_completion_tokens"),  # Groq deprecates max_tokens
        ) as events:
            yield from chat_chunks(events, usage_of=groq_usage)

    def _listed_models(self) -> Iterable[Any]:
        return self._client.models.list().data
