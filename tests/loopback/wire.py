"""What every provider dialect tells the loopback server: its routes, stream events, errors and model list."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from threading import Event

from .behaviour import Behaviour


@dataclass
class Received:
    """One request as the server saw it, and what became of the answer."""

    method: str
    path: str  # without the query string
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: dict | None
    behaviour: Behaviour = field(default_factory=Behaviour)
    arrived: float = 0.0  # monotonic
    arrived_at: float = 0.0  # wall clock (time.time()), to line up with another process's clock
    tokens_sent: int = 0
    last_token_at: float | None = None  # wall clock, when the last token left
    client_gone: Event = field(default_factory=Event)  # the client closed the connection mid-answer
    done: Event = field(default_factory=Event)  # the server is finished with this request, however it ended

    @property
    def model(self) -> str:
        """The model asked for, from the body or from a Gemini-style path."""
        if self.body and isinstance(self.body.get("model"), str):
            return self.body["model"]
        return self.path.rpartition("/models/")[2].partition(":")[0]


MALFORMED_DATA = '{"choices": [{"delta": {"content": "hal'  # JSON cut short: no parser can read it


def sse(data: dict | str, event: str | None = None, newline: str = "\n") -> bytes:
    """One server-sent event: an optional `event:` line, a `data:` line, then a blank line."""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    lines = ([f"event: {event}"] if event else []) + [f"data: {payload}"]
    return (newline.join(lines) + newline * 2).encode()


def words(text: str) -> int:
    """A stand-in token count: the number of whitespace-separated words."""
    return len(text.split())


class Wire(ABC):
    """A provider's wire format. Routes return "stream", "models", or None for an unknown path."""

    name: str = ""
    base_path: str = ""  # appended to the server's URL to give the SDK's base URL
    content_type: str = "text/event-stream"
    default_models: tuple[str, ...] = ()

    @abstractmethod
    def route(self, method: str, path: str) -> str | None:
        """Which kind of answer this request wants."""

    @abstractmethod
    def prompt_text(self, body: dict) -> str:
        """Every message's text, to count prompt tokens from."""

    @abstractmethod
    def max_tokens(self, body: dict) -> int | None:
        """The answer length the request allows, if it sets one."""

    def opening(self, received: Received, prompt_tokens: int) -> list[bytes]:
        """Events sent as soon as the stream starts, before the first token."""
        return []

    @abstractmethod
    def token(self, received: Received, text: str, prompt_tokens: int, sent: int) -> bytes:
        """The event carrying one token of the answer, the `sent`-th (from 1)."""

    @abstractmethod
    def closing(self, received: Received, prompt_tokens: int, sent: int, truncated: bool) -> list[bytes]:
        """The events that end a complete answer: finish reason, usage, terminator."""

    def finishing(self, received: Received, prompt_tokens: int, sent: int, truncated: bool) -> list[bytes]:
        """The closing events up to and including the one that says the answer is finished: what arrives when the
        connection drops between the finish signal and the usage a provider sends after it."""
        return self.closing(received, prompt_tokens, sent, truncated)[:1]

    @abstractmethod
    def stream_error(self, received: Received) -> bytes:
        """The event a provider sends when it fails mid-answer (overloaded, most often)."""

    def malformed_event(self, received: Received) -> bytes:
        """An event whose data was cut off mid-JSON, as a garbling proxy or a buggy server sends one."""
        return sse(MALFORMED_DATA)

    @abstractmethod
    def error(self, received: Received, status: int) -> tuple[dict, dict[str, str]]:
        """The provider's error JSON for this status, and any headers that go with it."""

    @abstractmethod
    def models(self, names: list[str]) -> dict:
        """The provider's model listing."""


def retry_headers(behaviour: Behaviour) -> dict[str, str]:
    """Retry-After and retry-after-ms headers, as scripted."""
    headers = {}
    if behaviour.retry_after is not None:
        headers["Retry-After"] = str(behaviour.retry_after)
    if behaviour.retry_after_ms is not None:
        headers["retry-after-ms"] = str(behaviour.retry_after_ms)
    return headers


def presented_key(received: Received) -> str:
    """The API key the client sent, from whichever header or parameter carries it.

    401 messages quote it back in full (the real APIs mask it), so tests prove it never reaches a user.
    """
    bearer = received.headers.get("authorization", "").removeprefix("Bearer ").strip()
    return (
        bearer
        or received.headers.get("x-api-key", "")
        or received.headers.get("x-goog-api-key", "")
        or received.query.get("key", "")
    )
