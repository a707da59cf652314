"""SDK clients: built once per SDK, key, URL and timeouts, and shared by every call in the process; and the
base of the providers whose SDK is Stainless-generated (openai, groq, anthropic), which share one client shape.

Building one costs 40 ms (openai, groq, anthropic) to 130 ms (google-genai), mostly an SSL context, and holds
the interpreter meanwhile; a shared client also keeps its connections open between turns. The SDKs' clients are
safe to use from several threads at once. An async client (AsyncOpenAI, ...) belongs to the event loop it first
ran on (its connection pool does), so those are kept per loop, built off the loop. Keys live only in these
in-process tables, never in a log.
"""

from __future__ import annotations

import asyncio
import contextlib
import operator
import threading
import weakref
from abc import abstractmethod
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterable, Iterator
from contextlib import AbstractContextManager as ContextManager
from functools import cached_property
from types import ModuleType
from typing import Any

import anyio

from ..errors import NeedsKeyError
from ..options import Options
from ..record import Message
from ._errors import aguarded, error_context, guarded, translated, transport_errors
from .base import (
    SDK_IMPORTS,
    Chunk,
    Endpoint,
    Provider,
    awatch_request,
    import_sdk,
    load_off_loop,
    loop_lock,
    request_sent,
    watch_request,
)

MAX_CLIENTS = 64  # distinct keys and URLs kept; the least recently used is dropped beyond that
# An async client's connections: one per call in flight (a gateway serving hundreds of streams at once), kept open
# between calls up to ASYNC_KEEPALIVE. Groq's SDK would allow only 100 in flight, queueing the rest.
ASYNC_MAX_CONNECTIONS = 1000
ASYNC_KEEPALIVE = 200

_clients: OrderedDict[tuple, Any] = OrderedDict()
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, OrderedDict[tuple, Any]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()

Reader = Callable[[Any], Iterable[Chunk]]  # one streamed event (its JSON) to the chunks it carries


def shared_client(client_class: type, endpoint: Endpoint, build: Callable[[], Any]) -> Any:
    """The process's client of this class for this endpoint, built by `build` on first use."""
    key = (client_class, endpoint.api_key, endpoint.base_url, endpoint.connect_timeout, endpoint.read_timeout)
    with _lock:
        if key in _clients:
            _clients.move_to_end(key)
            return _clients[key]
    client = build()  # outside the lock: two first calls may both build; the first one stored wins
    with _lock:
        client = _clients.setdefault(key, client)
        while len(_clients) > MAX_CLIENTS:
            _clients.popitem(last=False)
    return client


async def shared_async_client(client_class: type, endpoint: Endpoint, build: Callable[[], Any]) -> Any:
    """The running event loop's client of this class for this endpoint; `build` runs on a worker thread, once (the
    calls that ask meanwhile wait for it)."""
    loop = asyncio.get_running_loop()
    key = (client_class, endpoint.api_key, endpoint.base_url, endpoint.connect_timeout, endpoint.read_timeout)
    clients = _async_clients.get(loop)
    if clients is not None and (client := clients.get(key)) is not None:
        return client  # every call asks: no lock (a dict read is atomic), and no reordering on this loop's table
    async with loop_lock(key):
        with _lock:
            clients = _async_clients.setdefault(loop, OrderedDict())
        if (client := clients.get(key)) is not None:
            return client  # built while this call waited
        client = await anyio.to_thread.run_sync(build)  # the import and the SSL context must not hold the loop
        with _lock:
            clients[key] = client
            while len(clients) > MAX_CLIENTS:
                clients.popitem(last=False)
    return client


async def aclose_clients() -> None:
    """Close the running loop's async clients and their connections (the API, as it shuts down): aiohttp would
    otherwise complain of unclosed sessions on the way out."""
    with _lock:
        clients = list(_async_clients.pop(asyncio.get_running_loop(), {}).values())
    for client in clients:
        aio = getattr(client, "aio", None)  # google-genai's async half, beside its blocking client
        close = aio.aclose if aio is not None else client.close  # the Stainless clients' close is async
        with contextlib.suppress(Exception):  # closing is best effort: the process is ending
            await close()


def forget_clients() -> None:
    """Drop every shared client (tests; a changed certificate store)."""
    with _lock:
        _clients.clear()
        _async_clients.clear()


def sdk_client(sdk: ModuleType, client_class: type, provider: Provider) -> Any:
    """A client with the SDK's own retries off (the core retries, the same way for every provider), our timeouts,
    and a request hook telling the caller when its request leaves."""
    settings = _client_settings(sdk, provider)

    def build() -> Any:
        http_client = sdk.DefaultHttpxClient(event_hooks={"request": [watch_request]})
        return without_environment_headers(client_class(**settings, http_client=http_client))

    return shared_client(client_class, provider.endpoint, build)


async def sdk_async_client(sdk: ModuleType, client_class: type, provider: Provider) -> Any:
    """`sdk_client`'s async twin (AsyncOpenAI, ...) for the running event loop, with room for many calls at once.
    Its endpoint modules are never loaded: the async path posts to the endpoint's path itself."""
    settings = _client_settings(sdk, provider)

    def build() -> Any:
        limits = _http_library(sdk).Limits(
            max_connections=ASYNC_MAX_CONNECTIONS, max_keepalive_connections=ASYNC_KEEPALIVE
        )
        http_client = _async_http_client(sdk, limits)
        return without_environment_headers(client_class(**settings, http_client=http_client))

    return await shared_async_client(client_class, provider.endpoint, build)


def _async_http_client(sdk: ModuleType, limits: Any) -> Any:
    """The SDK's async HTTP client, sending through aiohttp where the SDK offers it (`DefaultAioHttpClient`, with
    aiohttp installed): its connection pool and C parser cost a crowd of streams about half the interpreter time
    of httpcore's, whose pool is scanned whole at every request's start and end."""
    aio_client = getattr(sdk, "DefaultAioHttpClient", None)
    transport_class = _aiohttp_transport_class(aio_client)
    if transport_class is None:
        return sdk.DefaultAsyncHttpxClient(event_hooks={"request": [awatch_request]}, limits=limits)
    transport = transport_class(limits=limits)
    transport.client = lambda: _aiohttp_session(transport.ssl_context, limits)  # built on the loop, at first use
    return aio_client(transport=transport, limits=limits)


def _aiohttp_transport_class(aio_client: type | None) -> type | None:
    """The aiohttp transport beside the SDK's `DefaultAioHttpClient` (httpx-aiohttp, or the SDK's vendored copy),
    or None when the SDK has none or aiohttp is not installed (its client then refuses to be built)."""
    if aio_client is None:
        return None
    base = next((c for c in aio_client.__mro__ if c.__module__.endswith("httpx_aiohttp.client")), None)
    if base is None:
        return None
    try:
        return import_sdk(base.__module__.rsplit(".", 1)[0] + ".transport").AiohttpTransport
    except ImportError:
        return None


def _aiohttp_session(ssl_context: Any, limits: Any) -> Any:
    """An aiohttp session with room for `limits`, telling a call when its request's body has been written."""
    aiohttp = import_sdk("aiohttp")
    trace = aiohttp.TraceConfig()
    trace.on_request_chunk_sent.append(_body_written)
    connector = aiohttp.TCPConnector(
        limit=limits.max_connections or 0, keepalive_timeout=limits.keepalive_expiry, ssl=ssl_context
    )
    return aiohttp.ClientSession(connector=connector, trace_configs=[trace])


async def _body_written(_session: Any, _context: Any, _params: Any) -> None:
    request_sent()


def _client_settings(sdk: ModuleType, provider: Provider) -> dict[str, Any]:
    endpoint = provider.endpoint
    if not endpoint.api_key:
        raise NeedsKeyError(provider.name, endpoint.settings.get("key_var", getattr(provider, "key_var", "")))
    timeout = sdk.Timeout(
        connect=endpoint.connect_timeout,
        read=endpoint.read_timeout,
        write=endpoint.connect_timeout,
        pool=endpoint.connect_timeout,
    )
    return {"api_key": endpoint.api_key, "base_url": endpoint.base_url, "max_retries": 0, "timeout": timeout}


def _http_library(sdk: ModuleType) -> ModuleType:
    """The HTTP library the SDK sends with (httpx or httpx2), as its async client class is built on it."""
    library = next(base for base in sdk.DefaultAsyncHttpxClient.__mro__[1:] if base.__name__ == "AsyncClient")
    return import_sdk(library.__module__.split(".")[0])


def without_environment_headers(client: Any) -> Any:
    """The client with the headers its SDK read from the environment taken off (OPENAI_ORG_ID, OPENAI_PROJECT_ID,
    <SDK>_CUSTOM_HEADERS), so a request carries only what Switchboard chose for its endpoint.

    The SDKs add those to every request, whatever the base URL: a custom endpoint or OpenRouter was sent the
    operator's organisation and any proxy token or Authorization header set there. Stainless clients keep them in
    `_custom_headers`, and OpenAI's organisation and project in public attributes.
    """
    client._custom_headers = {}
    for attribute in ("organization", "project"):
        if getattr(client, attribute, None) is not None:
            setattr(client, attribute, None)
    return client


class SdkProvider(Provider):
    """A provider whose official SDK is Stainless-generated: its clients (sync and async), its errors and its model
    list are handled alike; a subclass names its SDK, builds its request (`_request`) and reads each streamed event
    (`_reader`). The SDK is imported on first use.
    """

    sdk = ""  # the SDK's module
    client_class = ""  # the SDK's client class
    async_client_class = ""  # and its async twin
    error_class = ""  # the root of the SDK's exceptions
    default_url = ""  # the provider's public endpoint, named in errors when no base URL is set
    resource = ""  # the client's streaming endpoint for the blocking path, e.g. "chat.completions"
    path = ""  # the path its `create` posts to (the async path posts there itself), e.g. "/chat/completions"

    def stream(self, model: str, messages: list[Message], options: Options) -> Iterator[Chunk]:
        context = error_context(self, self.default_url, model)
        return guarded(self._chunks(model, messages, options), context, self._errors)

    async def astream(self, model: str, messages: list[Message], options: Options) -> AsyncIterator[Chunk]:
        await self.aprepare()  # the SDK and its error classes are loaded off the loop before they are used here
        chunks = aguarded(self._achunks(model, messages, options), error_context(self, self.default_url, model),
                          self._errors)  # fmt: skip
        try:
            async for chunk in chunks:
                yield chunk
        finally:
            await chunks.aclose()

    @abstractmethod
    def _request(self, model: str, messages: list[Message], options: Options) -> dict[str, Any]:
        """The keyword arguments of the streaming `create` call."""

    @abstractmethod
    def _reader(self) -> Reader:
        """A fresh reader of one answer's events (it may keep state from one event to the next)."""

    def _chunks(self, model: str, messages: list[Message], options: Options) -> Generator[Chunk, None, None]:
        read = self._reader()
        with self._events(**self._request(model, messages, options)) as events:
            for event in events:
                yield from read(event)

    async def _achunks(self, model: str, messages: list[Message], options: Options) -> AsyncGenerator[Chunk, None]:
        read = self._reader()
        request = self._request(model, messages, options)
        client = await self._async_client()
        # `post`, not the endpoint's `create`: the same request, auth, errors and event decoding, without the SDK
        # rebuilding a body that is already plain JSON against its typed parameters (half a millisecond a call)
        events = await client.post(
            self.path,
            body=_json_body(request),
            cast_to=object,
            stream=True,
            stream_cls=self._sdk.AsyncStream[object],
        )
        async with events:
            async for event in events:
                for chunk in read(event):
                    yield chunk

    def _events(self, **request: Any) -> ContextManager[Iterable[dict]]:
        """`create(stream=True, **request)` on the streaming endpoint, its events read as the JSON they carry.

        The SDK still sends the request, raises its errors and decodes the server-sent events; asking its raw
        response for `Stream[object]` only skips building a typed object per chunk, which cost about 0.3 ms of
        interpreter time per chunk (90 ms for a 300-token answer), held while every other pane waits.
        """
        return self._resource.with_raw_response.create(stream=True, **request).parse(to=self._sdk.Stream[object])

    def list_models(self) -> list[str]:
        with translated(error_context(self, self.default_url), self._errors):
            return sorted(model.id for model in self._listed_models())

    def _listed_models(self) -> Iterable[Any]:
        return self._client.models.list()

    def prepare(self) -> None:
        self._resource  # noqa: B018 - imports the SDK, builds the client and loads the endpoint's module

    async def aprepare(self) -> None:
        await self._async_client()

    async def _async_client(self) -> Any:
        if "_errors" not in self.__dict__:  # the first import of an SDK takes 0.3-1 s: never on the loop
            await load_off_loop(self.sdk, lambda: self._errors)
        return await sdk_async_client(self._sdk, getattr(self._sdk, self.async_client_class), self)

    @cached_property
    def _resource(self) -> Any:
        """The streaming endpoint. The SDK imports its module on first use (50-70 ms for openai's chat), which
        must not be timed as part of the request, and is an SDK import like any other."""
        client = self._client
        with SDK_IMPORTS:
            return operator.attrgetter(self.resource)(client)

    @cached_property
    def _sdk(self) -> ModuleType:
        return import_sdk(self.sdk)

    @cached_property
    def _client(self) -> Any:
        return sdk_client(self._sdk, getattr(self._sdk, self.client_class), self)

    @cached_property
    def _errors(self) -> tuple[type[BaseException], ...]:
        return (getattr(self._sdk, self.error_class), *transport_errors())


def _json_body(request: dict[str, Any]) -> dict[str, Any]:
    """`create(stream=True, **request)`'s JSON body: `extra_body` merged in, as the SDK does."""
    body = {name: value for name, value in request.items() if name != "extra_body"}
    return {**body, **request.get("extra_body", {}), "stream": True}


def field(event: Any, *path: str) -> Any:
    """The value at `path` in an event's JSON, or None where any step is missing or not an object."""
    for name in path:
        if not isinstance(event, dict):
            return None
        event = event.get(name)
    return event
