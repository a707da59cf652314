"""Google Gemini through the `google-genai` SDK (`from google import genai`).

System messages become the system instruction; assistant turns are the "model" role.
Completion tokens count the answer plus any thinking (thoughtsTokenCount), as Gemini bills them.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator, Iterable, Iterator
from contextvars import ContextVar
from functools import cache, cached_property
from typing import Any

from ..errors import NeedsKeyError
from ..options import Options
from ..record import Message
from ._clients import ASYNC_KEEPALIVE, ASYNC_MAX_CONNECTIONS, shared_async_client, shared_client
from ._errors import aguarded, error_context, guarded, translated, transport_errors
from .base import SDK_IMPORTS, Chunk, Endpoint, Provider, awatch_request, import_sdk, load_off_loop, watch_request

GEMINI_URL = "https://generativelanguage.googleapis.com"
API_VERSION = "v1beta"
# The SDK's pydantic types a streamed answer goes through. google-genai builds their validators on first use
# (about 80 ms); prepare() builds them, so a first answer's clock times its request, not the SDK's set-up.
STREAM_TYPES = (
    "_GenerateContentParameters",
    "GenerateContentConfig",
    "Content",
    "Part",
    "HttpResponse",
    "GenerateContentResponse",
    "Candidate",
    "GenerateContentResponseUsageMetadata",
)


def gemini_request(messages: list[Message], options: Options) -> tuple[list[dict], dict[str, Any]]:
    """The contents and the generation config for a conversation."""
    contents = [
        {"role": "model" if m["role"] == "assistant" else "user", "parts": [{"text": m["content"]}]}
        for m in messages
        if m["role"] != "system"
    ]
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    values = {
        "system_instruction": system or None,
        "temperature": options.temperature,
        "max_output_tokens": options.max_tokens,
        "top_p": options.top_p,
    }
    return contents, {name: value for name, value in values.items() if value is not None}


def gemini_chunks(responses: Iterable[Any]) -> Iterator[Chunk]:
    """Chunks from GenerateContentResponses: answer text (not thoughts), finish reason, usage."""
    for response in responses:
        yield from gemini_chunk(response)


def gemini_chunk(response: Any) -> list[Chunk]:
    """The Chunk one GenerateContentResponse carries (none for an empty one)."""
    candidate = response.candidates[0] if response.candidates else None
    parts = (candidate.content.parts if candidate is not None and candidate.content else None) or []
    text = "".join(part.text for part in parts if part.text and not part.thought)  # thoughts are not the answer
    note = _function_call_note(parts)
    finish = _finish_reason(candidate)
    usage = response.usage_metadata
    thought = any(part.thought and part.text for part in parts)
    if not (text or finish or usage or note or thought):
        return []
    return [
        Chunk(
            thought=thought,
            text=text,
            finish_reason=finish,
            prompt_tokens=usage.prompt_token_count if usage else None,
            completion_tokens=_completion_tokens(usage),
            response_model=response.model_version,
            reasoning_tokens=usage.thoughts_token_count if usage else None,
            cached_prompt_tokens=usage.cached_content_token_count if usage else None,
            note=note,
        )
    ]


def _function_call_note(parts: list[Any]) -> str | None:
    """What to tell the user about function calls among these parts: Switchboard runs no tools, and a call is not
    text to show as the answer."""
    names = [part.function_call.name or "unnamed" for part in parts if part.function_call is not None]
    if not names:
        return None
    return (
        f"the model asked to call {', '.join(names)}: Switchboard runs no functions, so the call is not shown as "
        "part of the answer"
    )


def _finish_reason(candidate: Any) -> str | None:
    reason = candidate.finish_reason if candidate is not None else None
    return str(getattr(reason, "value", reason)).lower() if reason else None


def _completion_tokens(usage: Any) -> int | None:
    if usage is None or (usage.candidates_token_count is None and usage.thoughts_token_count is None):
        return None
    return (usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)


@cache
def _build_stream_types() -> None:
    types = import_sdk("google.genai.types")
    with SDK_IMPORTS:  # building a validator can import the modules its fields need
        for name in STREAM_TYPES:
            if model := getattr(types, name, None):  # a name the SDK dropped costs only its first-use build
                model.model_rebuild()


def _async_transport() -> Any:
    """An httpx transport of the async client's own, with room for many calls at once. Passing one also keeps
    google-genai on httpx where aiohttp is installed (the other SDKs send through it): on aiohttp it would skip
    the request hooks that set the timeouts and say when the request has left."""
    try:
        library = import_sdk("httpx2")  # google-genai's first choice of HTTP library
    except ImportError:
        library = import_sdk("httpx")
    limits = library.Limits(max_connections=ASYNC_MAX_CONNECTIONS, max_keepalive_connections=ASYNC_KEEPALIVE)
    return library.AsyncHTTPTransport(limits=limits)


def _timeout_limits(endpoint: Endpoint) -> dict[str, float]:
    """Separate connect and read timeouts, set on each request by a hook.

    HttpOptions.timeout is one total deadline, also sent to the server as X-Server-Timeout;
    it would cut long answers that are still streaming, so it is left unset.
    """
    return {
        "connect": endpoint.connect_timeout,
        "read": endpoint.read_timeout,
        "write": endpoint.connect_timeout,
        "pool": endpoint.connect_timeout,
    }


def _timeouts(endpoint: Endpoint) -> Callable[[Any], None]:
    """An HTTP request hook applying `_timeout_limits`."""
    limits = _timeout_limits(endpoint)

    def apply(request: Any) -> None:
        request.extensions["timeout"] = limits

    return apply


def _async_timeouts(endpoint: Endpoint) -> Callable[[Any], Awaitable[None]]:
    """`_timeouts` for the async HTTP client, whose hooks are awaited."""
    limits = _timeout_limits(endpoint)

    async def apply(request: Any) -> None:
        request.extensions["timeout"] = limits

    return apply


_http_responses: ContextVar[list | None] = ContextVar("gemini_http_responses", default=None)


async def _keep_response(response: Any) -> None:
    """An async HTTP client's response hook: hand the response to the `astream` call in progress in this task."""
    if (kept := _http_responses.get()) is not None:
        kept.append(response)


class AsyncGemini:
    """The key under which google-genai clients built for `astream` are kept, apart from the blocking ones."""


class GeminiProvider(Provider):
    """Streams generate_content_stream answers from the Gemini API (or any base URL speaking it)."""

    name = "gemini"
    key_var = "GEMINI_API_KEY"

    def stream(self, model: str, messages: list[Message], options: Options) -> Iterator[Chunk]:
        return guarded(self._chunks(model, messages, options), error_context(self, GEMINI_URL, model), self._errors)

    def _chunks(self, model: str, messages: list[Message], options: Options) -> Generator[Chunk, None, None]:
        contents, config = gemini_request(messages, options)
        responses = self._client.models.generate_content_stream(model=model, contents=contents, config=config)
        try:
            yield from gemini_chunks(responses)
        finally:
            responses.close()  # closes the SDK's generators, and with them the HTTP response

    async def astream(self, model: str, messages: list[Message], options: Options) -> AsyncIterator[Chunk]:
        client = await self._async_client()  # the SDK and its error classes are loaded off the loop
        chunks = aguarded(self._achunks(client, model, messages, options), error_context(self, GEMINI_URL, model),
                          self._errors)  # fmt: skip
        try:
            async for chunk in chunks:
                yield chunk
        finally:
            await chunks.aclose()

    async def _achunks(
        self, client: Any, model: str, messages: list[Message], options: Options
    ) -> AsyncGenerator[Chunk, None]:
        contents, config = gemini_request(messages, options)
        http_responses: list[Any] = []
        _http_responses.set(http_responses)  # this call's, in this task: `_keep_response` adds its HTTP response
        responses = await client.aio.models.generate_content_stream(model=model, contents=contents, config=config)
        try:
            async for response in responses:
                for chunk in gemini_chunk(response):
                    yield chunk
        finally:
            # The SDK's async generators nest, and closing the outer one leaves the inner ones (and the connection)
            # open until the garbage collector finds them: the provider would go on generating. Close it here.
            for http_response in http_responses:
                await http_response.aclose()
            await responses.aclose()

    def list_models(self) -> list[str]:
        with translated(error_context(self, GEMINI_URL), self._errors):
            return sorted(
                model.name.removeprefix("models/")
                for model in self._client.models.list()
                if "generateContent" in (model.supported_actions or ["generateContent"])
            )

    def prepare(self) -> None:
        self._client  # noqa: B018 - building the client imports the SDK
        _build_stream_types()

    async def aprepare(self) -> None:
        await self._async_client()

    async def _async_client(self) -> Any:
        """The running loop's client (google-genai's async half, `client.aio`, belongs to the loop it first ran on)."""
        if "_errors" not in self.__dict__:  # the first import of the SDK takes about a second: never on the loop
            await load_off_loop("google.genai", lambda: (self._errors, _build_stream_types()))
        genai = import_sdk("google.genai")

        def build() -> Any:
            hooks = [_async_timeouts(self.endpoint), awatch_request]
            options = self._http_options(async_hooks={"request": hooks, "response": [_keep_response]})
            return genai.Client(api_key=self.endpoint.api_key, http_options=options)

        self._check_key()
        return await shared_async_client(AsyncGemini, self.endpoint, build)

    @cached_property
    def _client(self) -> Any:
        genai = import_sdk("google.genai")
        self._check_key()
        options = self._http_options(hooks=[_timeouts(self.endpoint), watch_request])

        def build() -> Any:
            return genai.Client(api_key=self.endpoint.api_key, http_options=options)

        return shared_client(genai.Client, self.endpoint, build)

    def _check_key(self) -> None:
        if not self.endpoint.api_key:
            raise NeedsKeyError(self.name, self.endpoint.settings.get("key_var", self.key_var))

    def _http_options(self, hooks: list | None = None, async_hooks: dict | None = None) -> Any:
        types = import_sdk("google.genai.types")
        return types.HttpOptions(
            base_url=self.endpoint.base_url,
            api_version=API_VERSION,
            retry_options=types.HttpRetryOptions(attempts=1),  # the core retries, the same way for every provider
            client_args={"event_hooks": {"request": hooks}} if hooks else None,
            async_client_args={"event_hooks": async_hooks, "transport": _async_transport()} if async_hooks else None,
        )

    @cached_property
    def _errors(self) -> tuple[type[BaseException], ...]:
        return (import_sdk("google.genai.errors").APIError, *transport_errors())
