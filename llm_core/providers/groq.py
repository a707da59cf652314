"""Groq through the `groq` SDK: OpenAI-shaped chunks, so the chunk reading is shared with openai.py.

Groq reports usage in the usage chunk (stream_options.include_usage, sent through extra_body because
the SDK has no argument for it) or, as it long did, in the finishing chunk's `x_groq.usage`.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from functools import cached_property
from typing import Any

from ..options import Options
from ..record import Message
from ._clients import sdk_client
from ._errors import error_context, guarded, translated, transport_errors
from .base import Chunk, Provider
from .openai import chat_chunks, chat_request_options

GROQ_URL = "https://api.groq.com"


def groq_usage(event: Any) -> Any:
    """Usage from the chunk itself, or from Groq's own `x_groq` extension."""
    return event.usage or getattr(getattr(event, "x_groq", None), "usage", None)


class GroqProvider(Provider):
    """Streams chat completions through the `groq` SDK."""

    name = "groq"
    key_var = "GROQ_API_KEY"

    def stream(self, model: str, messages: list[Message], options: Options) -> Iterator[Chunk]:
        return guarded(self._chunks(model, messages, options), error_context(self, GROQ_URL, model), self._errors)

    def _chunks(self, model: str, messages: list[Message], options: Options) -> Generator[Chunk, None, None]:
        with self._client.chat.completions.create(
            model=model,
            messages=messages,
            stream=True,
            extra_body={"stream_options": {"include_usage": True}},  # the API takes it; this SDK has no argument
            **chat_request_options(options, "max_completion_tokens"),  # Groq deprecates max_tokens
        ) as events:
            yield from chat_chunks(events, usage_of=groq_usage)

    def list_models(self) -> list[str]:
        with translated(error_context(self, GROQ_URL), self._errors):
            return sorted(model.id for model in self._client.models.list().data)

    def prepare(self) -> None:
        self._client  # noqa: B018 - building the client imports the SDK

    @cached_property
    def _client(self) -> Any:
        import groq

        return sdk_client(groq, groq.Groq, self)

    @cached_property
    def _errors(self) -> tuple[type[BaseException], ...]:
        import groq

        return (groq.GroqError, *transport_errors())
