"""SDK clients: built once per SDK, key, URL and timeouts, and shared by every call in the process; and the
base of the providers whose SDK is Stainless-generated (openai, groq, anthropic), which share one client shape.

Building one costs 40 ms (openai, groq, anthropic) to 130 ms (google-genai), mostly an SSL context, and holds
the interpreter meanwhile; a shared client also keeps its connections open between turns. The SDKs' clients are
safe to use from several threads at once. Keys live only in this in-process table, never in a log.
"""

from __future__ import annotations

import operator
import threading
from abc import abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import AbstractContextManager as ContextManager
from functools import cached_property
from types import ModuleType
from typing import Any

from ..errors import NeedsKeyError
from ..options import Options
from ..record import Message
from ._errors import error_context, guarded, translated, transport_errors
from .base import SDK_IMPORTS, Chunk, Endpoint, Provider, import_sdk, watch_request

MAX_CLIENTS = 64  # distinct keys and URLs kept; the least recently used is dropped beyond that

_clients: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()


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


def forget_clients() -> None:
    """Drop every shared client (tests; a changed certificate store)."""
    with _lock:
        _clients.clear()


def sdk_client(sdk: ModuleType, client_class: type, provider: Provider) -> Any:
    """A client with the SDK's own retries off (the core retries, the same way for every provider), our timeouts,
    and a request hook telling the caller when its request leaves."""
    endpoint = provider.endpoint
    if not endpoint.api_key:
        raise NeedsKeyError(provider.name, endpoint.settings.get("key_var", getattr(provider, "key_var", "")))
    timeout = sdk.Timeout(
        connect=endpoint.connect_timeout,
        read=endpoint.read_timeout,
        write=endpoint.connect_timeout,
        pool=endpoint.connect_timeout,
    )

    def build() -> Any:
        http_client = sdk.DefaultHttpxClient(event_hooks={"request": [watch_request]})
        client = client_class(
            api_key=endpoint.api_key,
            base_url=endpoint.base_url,
            max_retries=0,
            timeout=timeout,
            http_client=http_client,
        )
        return without_environment_headers(client)

    return shared_client(client_class, endpoint, build)


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
    """A provider whose official SDK is Stainless-generated: its client, its errors and its model list are handled
    alike; a subclass names its SDK and makes its streaming request in `_chunks`. The SDK is imported on first use.
    """

    sdk = ""  # the SDK's module
    client_class = ""  # the SDK's client class
    error_class = ""  # the root of the SDK's exceptions
    default_url = ""  # the provider's public endpoint, named in errors when no base URL is set
    resource = ""  # the client's streaming endpoint, e.g. "chat.completions"

    def stream(self, model: str, messages: list[Message], options: Options) -> Iterator[Chunk]:
        context = error_context(self, self.default_url, model)
        return guarded(self._chunks(model, messages, options), context, self._errors)

    @abstractmethod
    def _chunks(self, model: str, messages: list[Message], options: Options) -> Generator[Chunk, None, None]:
        """The SDK's streaming request, read into Chunks."""

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


def field(event: Any, *path: str) -> Any:
    """The value at `path` in an event's JSON, or None where any step is missing or not an object."""
    for name in path:
        if not isinstance(event, dict):
            return None
        event = event.get(name)
    return event
