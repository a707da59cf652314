"""Groq through the `groq` SDK: OpenAI-shaped chunks, so the chunk reading is shared with openai.py.

Groq reports usage in the usage chunk (stream_options.include_usage, sent through extra_body because
the SDK has no argument for it) or, as it long did, in the finishing chunk's `x_groq.usage`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..options import Options
from ..record import Message
from ._clients import Reader, SdkProvider, field
from .openai import chat_reader, chat_request_options

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
    async_client_class = "AsyncGroq"
    error_class = "GroqError"
    resource = "chat.completions"
    path = "/openai/v1/chat/completions"
    default_url = GROQ_URL

    def _request(self, model: str, messages: list[Message], options: Options) -> dict[str, Any]:
        return {
            "model": model,
            "messages": messages,
            "extra_body": {"stream_options": {"include_usage": True}},  # the API takes it; this SDK has no argument
            **chat_request_options(options, "max_completion_tokens"),  # Groq deprecates max_tokens
        }

    def _reader(self) -> Reader:
        return chat_reader(usage_of=groq_usage)

    def _listed_models(self) -> Iterable[Any]:
        return self._client.models.list().data
