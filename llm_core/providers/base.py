"""The one contract every provider module fulfils."""

from __future__ import annotations

import asyncio
import importlib
import threading
import weakref
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import anyio

from ..options import Options
from ..record import Message


@dataclass(frozen=True)
class Endpoint:
    """Where and how to reach a provider: resolved key, base URL and timeouts (seconds)."""

    api_key: str | None = None
    base_url: str | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 60.0  # longest silence allowed between two chunks
    settings: dict = field(default_factory=dict)  # provider-specific (e.g. echo's pacing)


@dataclass
class Chunk:
    """A piece of a streamed answer. Usage and finish reason arrive on whichever chunk carries them."""

    text: str = ""
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None  # every billed output token, reasoning included
    response_model: str | None = None
    reasoning_tokens: int | None = None  # of completion_tokens, the ones spent thinking
    cached_prompt_tokens: int | None = None  # of prompt_tokens, the ones read from the prompt cache
    cache_write_tokens: int | None = None  # of prompt_tokens, the ones written to it
    provider_cost_usd: float | None = None  # the cost the provider reported for the call (OpenRouter)
    note: str | None = None  # something the answer held that is not shown as text (a function call), for the user
    thought: bool = False  # it carried reasoning text: not the answer, and left out of the visible rate


class Provider(ABC):
    """Turns messages and options into a stream of Chunks, raising ProviderError on failure.

    Two ways to ask, the same answer: `stream` (blocking, for threads: the pages, the CLI) and `astream` (on an
    event loop, through the SDK's async client: the HTTP API, where hundreds of calls wait on one thread).
    A stream that ends without any chunk carrying `finish_reason` is treated as cut by the caller.
    `request_sent()` is called once the request has left (network providers: `watch_request`, or
    `awatch_request` for an async client, as the HTTP client's request hook).
    Closing the returned generator (`aclose` for `astream`'s) must close the underlying HTTP response.
    SDKs are imported inside methods (with `import_sdk`), never at module import.
    """

    name: str = ""

    def __init__(self, endpoint: Endpoint):
        self.endpoint = endpoint

    @abstractmethod
    def stream(self, model: str, messages: list[Message], options: Options) -> Iterator[Chunk]:
        """Yield the answer as it arrives. Errors are raised as ProviderError (see errors.py)."""

    @abstractmethod
    def astream(self, model: str, messages: list[Message], options: Options) -> AsyncIterator[Chunk]:
        """As `stream`, on the running event loop: the same chunks, the same errors, never blocking the loop."""

    def prepare(self) -> None:  # noqa: B027 - an optional hook: echo has nothing to prepare
        """Import the SDK and build the client now, so a call's timings measure the request alone."""

    async def aprepare(self) -> None:  # noqa: B027 - an optional hook: echo has nothing to prepare
        """As `prepare`, for `astream` on this event loop; the slow part (import, SSL set-up) runs off the loop."""

    @abstractmethod
    def list_models(self) -> list[str]:
        """The model names this endpoint serves (a cheap authenticated call)."""


# Held while an SDK, or a part of one it loads lazily, is imported. Two threads importing two SDKs at once can each
# wait for a module the other is importing (both bring pydantic, an HTTP library, ...); Python breaks that cycle by
# handing one thread a half-imported module, which then fails with "partially initialized module".
SDK_IMPORTS = threading.RLock()


def import_sdk(name: str) -> ModuleType:
    """Import an SDK module (e.g. "openai", "google.genai.types"), one SDK import at a time in the process."""
    with SDK_IMPORTS:
        return importlib.import_module(name)


_loaded: set[str] = set()
_loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def loop_lock(key: Hashable) -> asyncio.Lock:
    """The running event loop's lock for `key`: one first use at a time (the others wait for it, then find the
    thing made), where each would otherwise take a thread to make its own."""
    return _loop_locks.setdefault(asyncio.get_running_loop(), {}).setdefault(key, asyncio.Lock())


async def load_off_loop(name: str, load: Callable[[], object]) -> None:
    """Run `load` (an SDK's import, the objects built from it) on a worker thread the first time `name` is loaded
    in this process; afterwards what it loads is in memory and it runs on the loop, in microseconds.

    A hop to a thread on a busy loop is not free: the thread waits for the interpreter, up to its switch interval
    each time, and a crowd of 200 calls reached the provider 0.6 s late, each behind its own hop."""
    if name not in _loaded:
        async with loop_lock(("load", name)):
            if name not in _loaded:
                await anyio.to_thread.run_sync(load)
                _loaded.add(name)
                return
    load()


_on_request_sent: ContextVar[Callable[[], None] | None] = ContextVar("on_request_sent", default=None)


def request_sent() -> None:
    """The request of the call in progress on this thread (or asyncio task) has left: tell whoever asked (see
    `telling_when_sent`)."""
    callback = _on_request_sent.get()
    if callback is not None:
        callback()


def watch_request(request: Any) -> None:
    """An HTTP client's request hook: call `request_sent` once the request's body is written to the socket.

    The hook itself runs before the connection is even picked; the write happens in httpcore, which reports it
    through the request's `trace` extension. Waiting for the write, not the hook, matters on a busy machine:
    there the gap between the two reached 30-80 ms while the page held the interpreter.
    """
    callback = _on_request_sent.get()
    if callback is None:
        return
    earlier = request.extensions.get("trace")

    def trace(event: str, info: dict) -> None:
        if earlier is not None:
            earlier(event, info)
        if event.endswith("send_request_body.complete"):
            callback()

    request.extensions["trace"] = trace


async def awatch_request(request: Any) -> None:
    """`watch_request` for an async HTTP client, whose hooks and trace callbacks are awaited."""
    callback = _on_request_sent.get()
    if callback is None:
        return
    earlier = request.extensions.get("trace")

    async def trace(event: str, info: dict) -> None:
        if earlier is not None:
            await earlier(event, info)
        if event.endswith("send_request_body.complete"):
            callback()

    request.extensions["trace"] = trace


@contextmanager
def telling_when_sent(callback: Callable[[], None]) -> Iterator[None]:
    """Within this block, a request leaving on this thread or task (`request_sent`) calls `callback`."""
    token = _on_request_sent.set(callback)
    try:
        yield
    finally:
        _on_request_sent.reset(token)
