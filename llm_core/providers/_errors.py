"""Turn any SDK's or HTTP library's exception into one ProviderError, in one place, for every provider.

The SDKs share a shape (status_code or code, response headers, a JSON body) but not a class tree,
so this reads the shape; transport failures are found by walking the exception's causes.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from types import ModuleType
from urllib.parse import urlsplit, urlunsplit

from ..errors import ProviderError, StreamCutError
from ..redact import redact
from .base import Chunk, Provider, import_sdk


@dataclass(frozen=True)
class Context:
    """Who was being called, for the error message: provider name, key variable, and where."""

    provider: str
    key_var: str
    where: str
    model: str | None = None
    url_var: str = ""  # where the base URL is set, named when the connection fails ("" for the SDK's default)


def error_context(provider: Provider, default_url: str, model: str | None = None) -> Context:
    """How a provider's errors name it; the engine puts the provider's own name and variables in
    `endpoint.settings` ("provider", "key_var", "url_var"): OpenRouter and Ollama run OpenAIProvider."""
    settings = provider.endpoint.settings
    key_var = settings.get("key_var") or getattr(provider, "key_var", "the API key")
    where = _public(provider.endpoint.base_url or default_url)
    return Context(settings.get("provider") or provider.name, key_var, where, model, settings.get("url_var", ""))


def retry_after_seconds(headers: object) -> float | None:
    """Seconds to wait, from retry-after-ms or Retry-After (seconds or an HTTP date); None if absent or unreadable."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    if (millis := _number(get("retry-after-ms"))) is not None:
        return max(millis / 1000, 0.0)
    value = get("retry-after")
    if (seconds := _number(value)) is not None:
        return max(seconds, 0.0)
    return _seconds_until(value) if value else None


def provider_error(error: BaseException, context: Context) -> ProviderError:
    """A ProviderError saying, in plain words and without any key, what went wrong and what to do."""
    status = _status(error)
    if status is not None and status >= 400:
        return _status_error(error, status, context)
    if kind := _kind_from_body(error):
        message = f"{context.provider}: the provider reported an error in the stream ({_provider_message(error)})."
        return ProviderError(redact(message), kind=kind, provider=context.provider)
    return _transport_error(error, context)


def stream_cut_error(error: BaseException, context: Context) -> StreamCutError:
    """The error for a stream that broke after part of the answer was shown."""
    cause = provider_error(error, context)
    detail = _provider_message(error) if _status(error) else _root_cause_text(error)
    message = f"{context.provider}: the stream was cut before the model finished ({detail})."
    return StreamCutError(redact(message), kind=cause.kind, status_code=cause.status_code, provider=context.provider)


@contextmanager
def translated(context: Context, catch: tuple[type[BaseException], ...]) -> Iterator[None]:
    """Raise any `catch` exception from the block as a ProviderError, chained to it."""
    try:
        yield
    except catch as e:
        raise provider_error(e, context) from e


def guarded(
    chunks: Generator[Chunk, None, None], context: Context, catch: tuple[type[BaseException], ...]
) -> Iterator[Chunk]:
    """Yield `chunks`; failures become ProviderError, or StreamCutError once text was yielded.

    Closing this generator closes `chunks` at once, which closes the SDK's stream and its HTTP response.
    """
    shown_text = False
    try:
        for chunk in chunks:
            shown_text = shown_text or bool(chunk.text)
            yield chunk
    except (*catch, ValueError) as e:
        if (failure := _failure(e, context, catch, shown_text)) is e:
            raise
        raise failure from e
    finally:
        chunks.close()


async def aguarded(
    chunks: AsyncGenerator[Chunk, None], context: Context, catch: tuple[type[BaseException], ...]
) -> AsyncIterator[Chunk]:
    """`guarded` for an async stream: the same errors; closing it closes `chunks`, and the HTTP response."""
    shown_text = False
    try:
        async for chunk in chunks:
            shown_text = shown_text or bool(chunk.text)
            yield chunk
    except (*catch, ValueError) as e:
        if (failure := _failure(e, context, catch, shown_text)) is e:
            raise
        raise failure from e
    finally:
        await chunks.aclose()


def _failure(
    error: BaseException, context: Context, catch: tuple[type[BaseException], ...], shown_text: bool
) -> BaseException:
    """The ProviderError a failed stream raises (StreamCutError once text was shown); a ValueError that is not a
    malformed event is not the provider's doing, and is raised as it is (a bug, reported as one)."""
    if isinstance(error, catch):
        return stream_cut_error(error, context) if shown_text else provider_error(error, context)
    if _json_error(error) is None:  # the SDKs let a json.JSONDecodeError through (google-genai wraps it in its own)
        return error
    return malformed_event_error(error, context, shown_text)


def malformed_event_error(error: BaseException, context: Context, shown_text: bool) -> ProviderError:
    """The error for a streamed event that is not the JSON it should be (a garbling proxy, a buggy server)."""
    detail = str(_json_error(error) or error).rstrip(".")
    if shown_text:
        message = f"{context.provider}: the provider sent a malformed event, so the answer stops here ({detail})."
        return StreamCutError(redact(message), kind="malformed", provider=context.provider)
    message = f"{context.provider}: the provider sent a malformed event before any text ({detail}). Try again."
    return ProviderError(redact(message), kind="malformed", provider=context.provider)


def _json_error(error: BaseException) -> json.JSONDecodeError | None:
    return next((link for link in _causes(error) if isinstance(link, json.JSONDecodeError)), None)


HTTP_LIBRARIES = ("httpx", "httpx2")  # what the SDKs send requests with (openai: httpx2; the others: httpx)


def transport_errors() -> tuple[type[BaseException], ...]:
    """Network-level exception classes an SDK may let through: httpx's and httpx2's, and the OS's.

    Every installed HTTP library is imported whole here, before a provider's first request: openai's client looks
    httpx up in `sys.modules` on every request, so an httpx that another SDK's first call (on another thread) is
    still importing would be read half-made ("partially initialized module 'httpx' has no attribute 'Timeout'")."""
    return (*(library.TransportError for library in _installed_http_libraries()), *_aiohttp_errors(), OSError)


@cache
def _aiohttp_errors() -> tuple[type[BaseException], ...]:
    """aiohttp's errors, where it is installed: the SDKs' async clients send through it (see _clients.py)."""
    return (import_sdk("aiohttp").ClientError,) if importlib.util.find_spec("aiohttp") is not None else ()


@cache
def _installed_http_libraries() -> tuple[ModuleType, ...]:
    return tuple(import_sdk(name) for name in HTTP_LIBRARIES if importlib.util.find_spec(name) is not None)


def _loaded_http_libraries() -> list[ModuleType]:
    """The HTTP libraries an SDK has loaded, each whole: one that another thread is still importing (it is in
    sys.modules from the start) is waited for, not read half-made."""
    return [import_sdk(name) for name in HTTP_LIBRARIES if name in sys.modules]


def _status_error(error: BaseException, status: int, context: Context) -> ProviderError:
    detail = _provider_message(error)
    kind = _kind(status, error)
    label = context.provider
    messages = {
        "auth": f"{label}: the API key was rejected ({status}: {detail}). Check {context.key_var}.",
        "not_found": f"{label}: {_missing(context)} was not found ({status}: {detail}).",
        "rate_limit": f"{label}: rate limited ({status}: {detail}).",
        "server": f"{label}: the server failed ({status}: {detail}). Trying again later may help.",
        "timeout": f"{label}: the server timed out ({status}: {detail}).",
        "bad_request": f"{label} rejected the request ({status}: {detail}).",
    }
    message = messages.get(kind, f"{label}: unexpected answer ({status}: {detail}).")
    retry_after = _retry_after(error) if kind == "rate_limit" else None
    return ProviderError(redact(message), kind=kind, status_code=status, retry_after=retry_after, provider=label)


def _status(error: BaseException) -> int | None:
    for name in ("status_code", "code"):
        value = getattr(error, name, None)
        if isinstance(value, int) and 100 <= value < 600 and not isinstance(value, bool):
            return value
    return None


def _kind(status: int, error: BaseException) -> str:
    if status in (401, 403) or _says_key_invalid(error):
        return "auth"
    if status == 404:
        return "not_found"
    if status == 429:
        return "rate_limit"
    if status in (408, 504):
        return "timeout"
    if status >= 500:
        return "server"
    if 400 <= status < 500:
        return "bad_request"
    return "other"


_KIND_BY_ERROR_TYPE = {
    "server_error": "server",
    "api_error": "server",
    "overloaded_error": "server",
    "rate_limit_error": "rate_limit",
    "rate_limit_exceeded": "rate_limit",
}


def _kind_from_body(error: BaseException) -> str | None:
    """The kind of an error reported inside a stream that started fine (its HTTP status was 200)."""
    body = getattr(error, "body", None)
    inner = body.get("error", body) if isinstance(body, dict) else None
    return _KIND_BY_ERROR_TYPE.get(inner.get("type")) if isinstance(inner, dict) else None


def _says_key_invalid(error: BaseException) -> bool:
    """Gemini answers a bad key with 400 INVALID_ARGUMENT and the reason API_KEY_INVALID."""
    return any(detail.get("reason") == "API_KEY_INVALID" for detail in _error_details(error))


def _error_details(error: BaseException) -> list[dict]:
    body = getattr(error, "details", None) or getattr(error, "body", None)
    inner = body.get("error", body) if isinstance(body, dict) else None
    details = inner.get("details") if isinstance(inner, dict) else None
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []


def _provider_message(error: BaseException) -> str:
    """The provider's own words: the message in the JSON body, else the exception's text."""
    body = getattr(error, "body", None)
    inner = body.get("error", body) if isinstance(body, dict) else None
    if isinstance(inner, dict) and isinstance(inner.get("message"), str) and inner["message"]:
        return inner["message"].rstrip(".")
    message = getattr(error, "message", None)
    text = message if isinstance(message, str) and message else str(error) or type(error).__name__
    return text.rstrip(".")


def _retry_after(error: BaseException) -> float | None:
    response = getattr(error, "response", None)
    from_header = retry_after_seconds(getattr(response, "headers", None))
    return from_header if from_header is not None else _retry_delay(error)


def _retry_delay(error: BaseException) -> float | None:
    """Gemini says when to retry in a RetryInfo detail: {"retryDelay": "20s"}."""
    for detail in _error_details(error):
        delay = detail.get("retryDelay")
        if isinstance(delay, str) and delay.endswith("s"):
            return _number(delay[:-1])
    return None


def _transport_error(error: BaseException, context: Context) -> ProviderError:
    kind = _transport_kind(error)
    detail = _root_cause_text(error)
    if kind == "timeout":
        message = f"{context.provider}: timed out waiting for {context.where} ({detail})."
    elif kind == "connection":
        message = f"{context.provider}: the connection to {context.where} failed ({detail})."
        message += f" Is it running there? Check {context.url_var}." if context.url_var else ""
    else:
        message = f"{context.provider}: {detail}"
    return ProviderError(redact(message), kind=kind, provider=context.provider)


def _transport_kind(error: BaseException) -> str:
    """timeout or connection, by the innermost error that tells: the one closest to the network. An SDK's
    aiohttp transport renames aiohttp's errors loosely (a refused connection, or a server that hung up, becomes
    httpx's ConnectTimeout), keeping the original as the cause."""
    timeouts = tuple(library.TimeoutException for library in _loaded_http_libraries())
    for link in reversed(list(_causes(error))):
        if isinstance(link, (*timeouts, TimeoutError)):
            return "timeout"
        if isinstance(link, transport_errors()):
            return "connection"
    return "other"


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


def _root_cause_text(error: BaseException) -> str:
    texts = [(str(link) or type(link).__name__).rstrip(".") for link in _causes(error)]
    return ": ".join(dict.fromkeys(texts))


def _missing(context: Context) -> str:
    return f"the model {context.model!r}" if context.model else f"the endpoint {context.where}"


def _public(url: str) -> str:
    """The URL without credentials, query or fragment, fit for a message."""
    parts = urlsplit(url)
    host = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname or ""
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _number(value: object) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _seconds_until(http_date: str) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
