"""The same story for every real provider: its own SDK, over real HTTP, against a loopback server speaking its wire.

How a cut stream surfaces, per SDK: all four raise StreamCutError after yielding the partial text
(openai wraps the broken read in APIConnectionError; groq, gemini and anthropic let httpx's
RemoteProtocolError through; all are mapped the same way). So does an error event the provider sends
mid-answer (its kind is then "server"). A body that ends cleanly without the finish signal just ends,
with no finish_reason, for the caller to judge.
"""

from __future__ import annotations

import asyncio
import contextvars
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from llm_core.errors import NeedsKeyError, ProviderError, StreamCutError
from llm_core.options import Options
from llm_core.providers import Endpoint, Provider
from llm_core.providers.anthropic import AnthropicProvider
from llm_core.providers.base import telling_when_sent, watch_request
from llm_core.providers.gemini import GeminiProvider
from llm_core.providers.groq import GroqProvider
from llm_core.providers.openai import OpenAIProvider
from tests.loopback import Behaviour, LoopbackServer

REPO = Path(__file__).parents[2]
MESSAGES = [
    {"role": "system", "content": "Answer briefly."},
    {"role": "user", "content": "Say something nice."},
]


class AsyncDriven:
    """A provider asked through `astream`, on an event loop of its own thread, and read from this one: every test
    of the contract then holds for both ways of asking, through each SDK's async client. The caller's context
    (`telling_when_sent`) goes with each step, as it would within one asyncio task."""

    def __init__(self, provider: Provider, loop: asyncio.AbstractEventLoop):
        self.provider, self.loop = provider, loop

    def stream(self, model: str, messages: list, options: Options) -> Iterator:
        chunks = self.provider.astream(model, messages, options)

        def read() -> Iterator:
            try:
                while True:
                    try:
                        yield self._run(anext(chunks))
                    except StopAsyncIteration:
                        return
            finally:
                self._run(chunks.aclose())

        return read()

    def _run(self, step: Awaitable) -> object:
        context = contextvars.copy_context()

        async def in_context() -> object:
            for variable, value in context.items():
                variable.set(value)
            return await step

        return asyncio.run_coroutine_threadsafe(in_context(), self.loop).result(timeout=30)

    def __getattr__(self, name: str) -> object:
        return getattr(self.provider, name)


@pytest.fixture(scope="session")
def event_loop_thread() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running on a thread of its own for the whole session."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


@dataclass
class Wired:
    """A provider class, its loopback server, how its SDK is pointed there, and what it calls a normal finish;
    asked through `stream`, or through `astream` when `loop` is set."""

    impl: type[Provider]
    server: LoopbackServer
    base_url: Callable[[LoopbackServer], str]
    key: str
    key_var: str
    finish: str
    loop: asyncio.AbstractEventLoop | None = None

    def provider(self, **endpoint) -> Provider:
        """The provider pointed at the server, reused like the engine reuses it (SDK clients are slow to build)."""
        endpoint = {
            "api_key": self.key,
            "base_url": self.base_url(self.server),
            "connect_timeout": 2.0,
            "read_timeout": 5.0,
            **endpoint,
        }
        key = (self.impl, repr(sorted(endpoint.items())))
        if key not in _PROVIDERS:
            _PROVIDERS[key] = self.impl(Endpoint(**endpoint))
        return AsyncDriven(_PROVIDERS[key], self.loop) if self.loop else _PROVIDERS[key]


_PROVIDERS: dict[tuple, Provider] = {}


WIRINGS = {
    "openai": ("openai_server", OpenAIProvider, lambda s: s.base_url, "sk-proj-loopbackKEY0123456789", "stop"),
    "groq": ("openai_server", GroqProvider, lambda s: s.url, "gsk_loopbackKEY0123456789abc", "stop"),
    "gemini": ("gemini_server", GeminiProvider, lambda s: s.url, "AIzaSyLoopbackKEY0123456789abcdef", "stop"),
    "anthropic": ("anthropic_server", AnthropicProvider, lambda s: s.url, "sk-ant-api03-loopbackKEY0123", "end_turn"),
}


@pytest.fixture(params=[(name, way) for name in sorted(WIRINGS) for way in ("stream", "astream")], ids="-".join)
def wired(request) -> Wired:
    name, way = request.param
    server_fixture, impl, base_url, key, finish = WIRINGS[name]
    loop = request.getfixturevalue("event_loop_thread") if way == "astream" else None
    return Wired(impl, request.getfixturevalue(server_fixture), base_url, key, impl.key_var, finish, loop)


def answer(provider: Provider, options: Options | None = None) -> tuple[str, list]:
    """Stream one answer to the end: its text and every chunk."""
    chunks = list(provider.stream("test-model", MESSAGES, options or Options()))
    return "".join(c.text for c in chunks), chunks


def failure(provider: Provider) -> ProviderError:
    """The error a request ends in."""
    with pytest.raises(ProviderError) as raised:
        answer(provider)
    return raised.value


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_the_answer_streams_in_order_with_the_providers_usage_and_finish(wired):
    wired.server.script(Behaviour(reply="The quick brown fox jumps", prompt_tokens=12))
    text, chunks = answer(wired.provider())
    assert text == "The quick brown fox jumps"
    assert [c.text for c in chunks if c.text] == ["The", " quick", " brown", " fox", " jumps"]
    assert [c.prompt_tokens for c in chunks if c.prompt_tokens is not None][-1] == 12
    assert [c.completion_tokens for c in chunks if c.completion_tokens is not None][-1] == 5
    assert [c.finish_reason for c in chunks if c.finish_reason] == [wired.finish]
    assert any(c.response_model == "test-model" for c in chunks)


def test_without_reported_usage_no_token_counts_are_invented(wired):
    wired.server.script(Behaviour(reply="No usage here", usage=False))
    text, chunks = answer(wired.provider())
    assert text == "No usage here"
    assert all(c.prompt_tokens is None and c.completion_tokens is None for c in chunks)
    assert chunks[-1].finish_reason == wired.finish


def test_a_rejected_key_is_an_auth_error_that_never_shows_the_key(wired):
    wired.server.script(Behaviour(status=401))
    error = failure(wired.provider())
    assert (error.kind, error.status_code, error.retryable) == ("auth", 401, False)
    assert wired.key not in str(error)
    assert wired.key_var in str(error)
    assert wired.key in str(wired.server.last.headers)  # it did reach the server, whose error message quotes it


def test_the_engine_can_name_the_key_variable_to_fix(wired):
    wired.server.script(Behaviour(status=401))
    error = failure(wired.provider(settings={"key_var": "SOME_PROXY_KEY"}))
    assert "Check SOME_PROXY_KEY" in str(error)


def test_a_rate_limit_says_how_long_to_wait(wired):
    wired.server.script(Behaviour(status=429, retry_after=7))
    error = failure(wired.provider())
    assert (error.kind, error.status_code, error.retry_after, error.retryable) == ("rate_limit", 429, 7.0, True)


def test_a_server_error_is_worth_retrying(wired):
    wired.server.script(Behaviour(status=500))
    error = failure(wired.provider())
    assert (error.kind, error.status_code, error.retryable) == ("server", 500, True)


def test_an_unknown_model_is_not_found(wired):
    wired.server.script(Behaviour(status=404))
    error = failure(wired.provider())
    assert (error.kind, error.status_code) == ("not_found", 404)
    assert "test-model" in str(error)


def test_a_stream_cut_mid_answer_raises_after_the_partial_text(wired):
    wired.server.script(Behaviour(reply="one two three four five", cut_after_tokens=2))
    seen = []
    with pytest.raises(StreamCutError) as raised:
        for chunk in wired.provider().stream("test-model", MESSAGES, Options()):
            seen.append(chunk.text)
    assert "".join(seen) == "one two"
    assert raised.value.kind == "connection"
    assert "cut" in str(raised.value)


def test_an_error_the_provider_sends_mid_answer_cuts_the_stream_and_is_worth_retrying(wired):
    wired.server.script(Behaviour(reply="one two three four five", error_after_tokens=3))
    seen = []
    with pytest.raises(StreamCutError) as raised:
        for chunk in wired.provider().stream("test-model", MESSAGES, Options()):
            seen.append(chunk.text)
    assert "".join(seen) == "one two three"
    assert (raised.value.kind, raised.value.retryable) == ("server", True)
    assert "overloaded" in str(raised.value).lower() or "server had an error" in str(raised.value)


def test_a_stream_that_ends_without_its_finish_signal_just_ends(wired):
    wired.server.script(Behaviour(reply="one two three four", end_after_tokens=2))
    text, chunks = answer(wired.provider())
    assert text == "one two"
    assert not any(c.finish_reason for c in chunks)


def test_a_slow_first_token_still_arrives(wired):
    wired.server.script(Behaviour(reply="worth the wait", ttft_ms=250))
    started = time.monotonic()
    first_text_at = None
    text = ""
    for chunk in wired.provider().stream("test-model", MESSAGES, Options()):
        if chunk.text and first_text_at is None:
            first_text_at = time.monotonic() - started
        text += chunk.text
    assert text == "worth the wait"
    assert 0.25 <= first_text_at < 3


def test_the_provider_says_its_request_has_left_long_before_the_answer_comes(wired):
    """The Compare page waits for this signal before it draws, so it must come as the request goes."""
    wired.server.script(Behaviour(reply="worth the wait", ttft_ms=300))
    sent_at = []
    with telling_when_sent(lambda: sent_at.append(time.monotonic())):
        stream = wired.provider().stream("test-model", MESSAGES, Options())
        first_text_at = next(time.monotonic() for chunk in stream if chunk.text)
    stream.close()
    assert len(sent_at) == 1
    # Once the request is written: about when the server reads it, and long before the first token.
    assert wired.server.last.arrived - 0.05 <= sent_at[0] <= first_text_at - 0.25


def test_watching_a_request_keeps_a_trace_already_on_it_and_tells_once_the_body_is_written():
    traced, told = [], []
    request = SimpleNamespace(extensions={"trace": lambda event, info: traced.append(event)})
    with telling_when_sent(lambda: told.append(len(traced))):
        watch_request(request)
    for event in ("connection.connect_tcp.complete", "http11.send_request_headers.complete"):
        request.extensions["trace"](event, {})
    assert told == []
    request.extensions["trace"]("http11.send_request_body.complete", {})
    assert told == [3] and len(traced) == 3


def test_a_first_token_slower_than_the_read_timeout_is_a_timeout(wired):
    wired.server.script(Behaviour(ttft_ms=1000))
    error = failure(wired.provider(read_timeout=0.15))
    assert (error.kind, error.retryable) == ("timeout", True)
    assert not isinstance(error, StreamCutError)


def test_nothing_listening_is_a_connection_error(wired):
    error = failure(wired.provider(base_url=closed_port_url()))
    assert (error.kind, error.retryable) == ("connection", True)
    assert "127.0.0.1" in str(error)


def test_the_models_the_endpoint_serves_are_listed(wired):
    wired.server.models = ["model-b", "model-a"]
    assert wired.provider().list_models() == ["model-a", "model-b"]


def test_listing_models_with_a_rejected_key_is_an_auth_error(wired):
    wired.server.script(Behaviour(status=401))
    with pytest.raises(ProviderError) as raised:
        wired.provider().list_models()
    assert raised.value.kind == "auth"
    assert wired.key not in str(raised.value)


def test_closing_the_stream_early_makes_the_server_stop_sending(wired):
    wired.server.script(Behaviour(reply="word " * 500, tokens_per_s=100))  # five seconds of answer
    stream = wired.provider().stream("test-model", MESSAGES, Options())
    assert next(c for c in stream if c.text).text == "word"
    stream.close()
    request = wired.server.last
    assert request.client_gone.wait(2), "the server kept streaming to a reader that had left"
    assert request.tokens_sent < 500


def test_a_missing_key_names_the_variable_to_set(wired):
    with pytest.raises(NeedsKeyError) as raised:
        answer(wired.provider(api_key=None))
    assert wired.key_var in str(raised.value)
    assert wired.server.requests == []


def test_every_turn_to_the_same_endpoint_shares_one_sdk_client(wired):
    """Building an SDK client costs tens of milliseconds; a second turn to the same endpoint and key reuses it."""
    endpoint = {"api_key": wired.key, "base_url": wired.base_url(wired.server)}
    first, second = wired.impl(Endpoint(**endpoint)), wired.impl(Endpoint(**endpoint))
    other_key = wired.impl(Endpoint(**{**endpoint, "api_key": wired.key + "-other"}))
    assert first._client is second._client
    assert other_key._client is not first._client
    assert "".join(chunk.text for chunk in second.stream("m", MESSAGES, Options()))  # the shared client still works


def test_every_async_turn_on_one_event_loop_shares_one_async_sdk_client(wired, event_loop_thread):
    """The async client (its connection pool) belongs to the loop it runs on: shared there, never across loops."""
    endpoint = {"api_key": wired.key, "base_url": wired.base_url(wired.server)}
    first, second = wired.impl(Endpoint(**endpoint)), wired.impl(Endpoint(**endpoint))

    def client_on(loop: asyncio.AbstractEventLoop, provider: Provider) -> object:
        return asyncio.run_coroutine_threadsafe(provider._async_client(), loop).result(timeout=30)

    assert client_on(event_loop_thread, first) is client_on(event_loop_thread, second)
    other_loop = asyncio.new_event_loop()
    try:
        assert other_loop.run_until_complete(second._async_client()) is not client_on(event_loop_thread, first)
    finally:
        other_loop.close()
    answered = AsyncDriven(second, event_loop_thread).stream("m", MESSAGES, Options())
    assert "".join(chunk.text for chunk in answered)  # the shared client still works


def test_importing_the_providers_imports_no_sdk():
    code = (
        "import sys, llm_core, llm_core.providers\n"
        "loaded = [m for m in ('openai', 'groq', 'anthropic', 'google.genai') if m in sys.modules]\n"
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60, cwd=REPO
    )
    assert result.stdout.strip() == ""


# What each SDK otherwise sets up during a first call: a lazily imported endpoint module, or lazily built types.
READY_TO_STREAM = {
    "openai": "print('openai.resources.chat' in sys.modules)",
    "groq": "print('groq.resources.chat' in sys.modules)",
    "anthropic": "print('anthropic.resources.messages' in sys.modules)",
    "gemini": "from google.genai import types; print(types.GenerateContentResponse.__pydantic_complete__)",
}


@pytest.mark.parametrize("name", sorted(READY_TO_STREAM))
def test_preparing_sets_the_sdk_up_so_a_first_call_times_only_its_request(name):
    """Left to a first call, the SDK's set-up (50-85 ms) would be timed as the first answer's time to first
    token. The engine calls prepare() before it starts the clock."""
    code = (
        "import sys\n"
        "from llm_core.providers import PROVIDERS, Endpoint\n"
        f"provider = PROVIDERS[{name!r}].impl(Endpoint(api_key='key-0123456789', base_url='http://127.0.0.1:9'))\n"
        "provider.prepare()\n" + READY_TO_STREAM[name]
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60, cwd=REPO
    )
    assert result.stdout.strip() == "True"
