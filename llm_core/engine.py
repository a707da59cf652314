"""One model answering one turn: streamed, retried before the first token, fallen back, measured, logged."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import AsyncIterator, Iterator

import anyio
from tenacity import AsyncRetrying, RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from .catalog import Catalog, Model, load_catalog
from .config import Config
from .endpoints import model_endpoint
from .errors import ContextTooLongError, NeedsKeyError, ProviderError, StreamCutError, SwitchboardError
from .options import Options
from .policy import Policy
from .providers import PROVIDERS, Chunk, Provider
from .providers.base import telling_when_sent
from .readiness import ready_models
from .record import Message, Result
from .redact import redact
from .store.group_commit import group_commit
from .tokens import PER_MESSAGE_OVERHEAD, PER_REPLY_PRIMING, combined_source, count_messages, count_text, estimate

USAGE_LOST_NOTE = (
    "the connection failed after the answer finished, before the provider's usage report: token counts and cost "
    "are estimates"
)


CANCEL_CHECK_S = 0.1  # how often a wait between attempts on the event loop looks whether cancel() was called


class Cancelled(Exception):
    """The caller stopped this call."""


OPEN_FAILURES = (ProviderError, NeedsKeyError, ContextTooLongError)  # a model that fails these gives way to the next


_providers: dict[tuple, Provider] = {}
_providers_lock = threading.Lock()


def provider_for(model: Model, config: Config, policy: Policy) -> Provider:
    """A provider instance (and its SDK client) for this model's endpoint, shared across calls.

    Shared only by calls with the same key and URL (both are in the cache key), so no session's key is ever
    handed to another's endpoint.
    """
    spec = PROVIDERS[model.provider]
    endpoint = model_endpoint(
        model,
        config,
        connect_timeout=policy.connect_timeout_s,
        read_timeout=min(policy.read_timeout_s, policy.total_timeout_s),
    )
    cache_key = (
        spec.impl,
        endpoint.api_key,
        endpoint.base_url,
        endpoint.connect_timeout,
        endpoint.read_timeout,
        json.dumps(endpoint.settings, sort_keys=True),
    )
    with _providers_lock:
        if cache_key not in _providers:
            _providers[cache_key] = spec.impl(endpoint)
        return _providers[cache_key]


def check_fits(model: Model, messages: list[Message]) -> int | None:
    """Prompt tokens of the conversation (None when there was no need to count); ContextTooLongError when it
    exceeds the model's window.

    A token is at least one byte, so a conversation with fewer bytes than the window fits without counting:
    counting a short prompt with tiktoken took 0.3-0.7 ms of the event loop per call."""
    window = model.context_window
    if not window or _most_tokens(messages) <= window:
        return None
    tokens, _ = count_messages(messages)
    if tokens > window:
        raise ContextTooLongError(
            f"this conversation is about {tokens:,} tokens but {model.label} accepts {model.context_window:,}: "
            "shorten the prompt or clear the conversation"
        )
    return tokens


def _most_tokens(messages: list[Message]) -> int:
    """More tokens than the conversation can hold: its bytes, and count_messages' overheads."""
    size = sum(len(m["content"].encode("utf-8", "replace")) + PER_MESSAGE_OVERHEAD for m in messages)
    return size + PER_REPLY_PRIMING


def pick_auto(catalog: Catalog, config: Config) -> Model:
    """Cost-aware routing: the ready model with the highest priority, then the lowest price; else the demo."""
    ready = ready_models(catalog, config)
    return ready[0] if ready else next(m for m in catalog.models.values() if m.is_demo)


class Turn:
    """One model's answer to one conversation turn. Iterate for text as it arrives; `result` is live.

    When the model fails before answering, its catalog fallbacks are tried in order, unless `fallbacks=False`
    (a comparison, where each side must answer as the model it names or fail with that model's own error).
    """

    _thought = False  # a chunk carried reasoning text (set by _absorb): its tokens are not the visible answer's
    retry_after: float | None = None  # seconds the provider asked to wait, when the call's failure was a rate limit

    def __init__(
        self,
        model: str | Model,
        messages: list[Message],
        options: Options | None = None,
        *,
        catalog: Catalog | None = None,
        config: Config | None = None,
        policy: Policy | None = None,
        cancel: threading.Event | None = None,
        store=None,
        comparison_id: str = "",
        session_id: str = "",
        template: str = "",
        fallbacks: bool = True,
    ):
        self.catalog = catalog or load_catalog()
        self.config = config or Config()
        self.policy = policy or Policy.from_env()
        self.cancel_event = cancel or threading.Event()
        self.sent = threading.Event()  # set once the request is written, or when the turn ends without one
        self.store = store
        self.fallbacks = fallbacks
        self.messages = list(messages)
        self.options = options or Options()
        requested = model if isinstance(model, str) else model.id
        self._model = model
        self.result = Result(
            model=requested,
            requested_model=requested,
            comparison_id=comparison_id,
            session_id=session_id,
            template=template,
        )
        self.result.system = next((m["content"] for m in self.messages if m["role"] == "system"), "")
        self.result.prompt = next((m["content"] for m in reversed(self.messages) if m["role"] == "user"), "")

    def cancel(self) -> None:
        """Stop streaming; the result is kept as `cancelled` with whatever text had arrived."""
        self.cancel_event.set()

    def __iter__(self) -> Iterator[str]:
        return self._run()

    def __aiter__(self) -> AsyncIterator[str]:
        """The same turn on the running event loop (the HTTP API): the provider's `astream`, no thread of its own."""
        return self._arun()

    def complete(self) -> Result:
        """Drain the stream and return the final result."""
        for _ in self:
            pass
        return self.result

    async def acomplete(self) -> Result:
        """`complete` on the running event loop. Cancelling the task cancels the call, logged `cancelled`."""
        async for _ in self:
            pass
        return self.result

    # --- the call ---------------------------------------------------------------------------------------

    def _run(self) -> Iterator[str]:
        r = self.result
        self._begin()
        answered: Model | None = None
        asked: Model | None = None  # the first candidate: the model named, or the one `auto` picked
        try:
            for model in self._candidates():
                asked = asked or model
                self._describe(model)
                try:
                    stream, first = self._open(model)
                except OPEN_FAILURES as e:
                    self._note_failure(model, e)
                    continue
                answered = model
                r.fallback_for = "" if model is asked else asked.id
                yield from self._consume(stream, first)
                break
            else:
                self._nobody_answered()
        except Cancelled:
            r.status = "cancelled"
        except Exception as e:
            self._record_error(e)
        finally:
            self._ended(answered)
            self._log()

    async def _arun(self) -> AsyncIterator[str]:
        """`_run` on the event loop; a cancelled task, or an `aclose`, ends it `cancelled`, logged all the same."""
        r = self.result
        self._begin()
        answered: Model | None = None
        asked: Model | None = None
        try:
            for model in self._candidates():
                asked = asked or model
                self._describe(model)
                try:
                    stream, first = await self._aopen(model)
                except OPEN_FAILURES as e:
                    self._note_failure(model, e)
                    continue
                answered = model
                r.fallback_for = "" if model is asked else asked.id
                pieces = self._aconsume(stream, first)
                try:
                    async for piece in pieces:
                        yield piece
                finally:
                    with anyio.CancelScope(shield=True):
                        await pieces.aclose()  # `async for` does not close what it leaves, as `yield from` does
                break
            else:
                self._nobody_answered()
        except Cancelled:
            r.status = "cancelled"
        except Exception as e:
            self._record_error(e)
        finally:
            self._ended(answered)
            await self._alog()

    def _begin(self) -> None:
        self._started: float | None = None  # set when the first request is sent, after local checks
        self._text_times: list[float] = []  # when the first and the latest piece of visible text arrived
        self._text_pieces = 0
        self._first_piece = ""
        self.result.status = "streaming"

    def _nobody_answered(self) -> None:
        r = self.result
        r.status = "error"
        self._describe(next(self._candidates()))  # nobody answered: name the model asked for
        if len(r.fallback_errors) > 1:
            r.error = "every model failed: " + " | ".join(r.fallback_errors)

    def _record_error(self, e: Exception) -> None:
        r = self.result
        if isinstance(e, SwitchboardError):  # e.g. an unknown model or a bad catalog: a clear error, not a crash
            r.status, r.error, r.error_kind = "error", redact(str(e)), type(e).__name__
        else:  # a bug, not the user's doing: record it on the result rather than lose the turn
            r.status, r.error_kind = "error", "internal"
            r.error = f"Switchboard hit an unexpected {type(e).__name__}: {redact(str(e))}. Please report it."

    def _ended(self, answered: Model | None) -> None:
        self.sent.set()  # nothing more will be sent
        if self.result.status == "streaming":  # the consumer stopped iterating (or the task was cancelled)
            self.result.status = "cancelled"
        self._finish(answered)

    def _note_failure(self, model: Model, error: Exception) -> None:
        """Record why `model` gave no answer. The first model's failure is the call's: a fallback that fails only
        because it is not configured must not turn a provider's 500 into "not configured"."""
        r = self.result
        r.fallback_errors.append(f"{model.id}: {redact(str(error))}")
        if len(r.fallback_errors) == 1:
            r.error, r.error_kind = redact(str(error)), getattr(error, "kind", type(error).__name__)
            self.retry_after = getattr(error, "retry_after", None)

    def _candidates(self) -> Iterator[Model]:
        model = self._model
        if isinstance(model, str):
            model = pick_auto(self.catalog, self.config) if model.strip() == "auto" else self.catalog.get(model)
        yield model
        for fallback in model.fallbacks if self.fallbacks else ():
            yield self.catalog.get(fallback)

    def _describe(self, model: Model) -> None:
        r = self.result
        r.model, r.provider, r.provider_model, r.label = model.id, model.provider, model.name, model.label
        options = self.options.merged_over(model.defaults)
        r.temperature, r.max_tokens, r.top_p = options.temperature, options.max_tokens, options.top_p

    def _open(self, model: Model) -> tuple[Iterator[Chunk], Chunk]:
        """Start the stream and wait for its first chunk, retrying what is worth retrying."""
        provider = provider_for(model, self.config, self.policy)
        provider.prepare()
        options = self._ready_to_send(model)
        retrying = Retrying(**self._retry_rules(), sleep=self._sleep)
        with telling_when_sent(self.sent.set):
            for attempt in retrying:
                with attempt:
                    self.result.attempts += 1
                    stream = provider.stream(model.name, self.messages, options)
                    return stream, self._first_chunk(stream)
        raise AssertionError("unreachable: tenacity either returns or reraises")

    async def _aopen(self, model: Model) -> tuple[AsyncIterator[Chunk], Chunk]:
        """`_open` through the provider's `astream`."""
        provider = provider_for(model, self.config, self.policy)
        await provider.aprepare()
        options = self._ready_to_send(model)
        retrying = AsyncRetrying(**self._retry_rules(), sleep=self._asleep)
        with telling_when_sent(self.sent.set):
            async for attempt in retrying:
                with attempt:
                    self.result.attempts += 1
                    stream = provider.astream(model.name, self.messages, options)
                    return stream, await self._afirst_chunk(stream)
        raise AssertionError("unreachable: tenacity either returns or reraises")

    def _ready_to_send(self, model: Model) -> Options:
        """Check the conversation fits, start the clock on the first request; the options to send."""
        check_fits(model, self.messages)
        if self._started is None:
            self._started = time.monotonic()
            self._deadline = self._started + self.policy.total_timeout_s
        return self.options.merged_over(model.defaults)

    def _retry_rules(self) -> dict:
        return {
            "stop": stop_after_attempt(self.policy.max_attempts) | self._retry_is_pointless,
            "wait": self._wait,
            "retry": retry_if_exception(lambda e: isinstance(e, ProviderError) and e.retryable),
            "reraise": True,
        }

    def _first_chunk(self, stream: Iterator[Chunk]) -> Chunk:
        try:
            for chunk in stream:
                if chunk.text or chunk.finish_reason or self.cancel_event.is_set():
                    return chunk
                self._absorb(chunk)
        except BaseException:
            _close(stream)
            raise
        raise StreamCutError("the stream ended before the model sent anything")

    async def _afirst_chunk(self, stream: AsyncIterator[Chunk]) -> Chunk:
        try:
            async for chunk in stream:
                if chunk.text or chunk.finish_reason or self.cancel_event.is_set():
                    return chunk
                self._absorb(chunk)
        except BaseException:
            await _aclose(stream)
            raise
        raise StreamCutError("the stream ended before the model sent anything")

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception()
        if isinstance(error, ProviderError) and error.retry_after is not None:
            return max(0.0, error.retry_after)
        return self.policy.backoff(state.attempt_number) * random.uniform(0.8, 1.2)

    def _retry_is_pointless(self, state: RetryCallState) -> bool:
        """Stop when the provider asks us to wait longer than allowed, or the wait would pass the deadline."""
        error = state.outcome.exception()
        wait = self._wait(state)
        if isinstance(error, ProviderError) and error.retry_after and error.retry_after > self.policy.max_retry_after_s:
            error.args = (f"{error.args[0]} (the provider asks to wait {error.retry_after:.0f} s; try again later)",)
            return True
        return time.monotonic() + wait > self._deadline

    def _sleep(self, seconds: float) -> None:
        if self.cancel_event.wait(seconds):
            raise Cancelled()

    async def _asleep(self, seconds: float) -> None:
        """Wait between attempts, on the loop. A cancelled task stops at once; `cancel()` (a threading.Event) is
        looked at every CANCEL_CHECK_S."""
        until = time.monotonic() + seconds
        while not self.cancel_event.is_set():
            if (left := until - time.monotonic()) <= 0:
                return
            await anyio.sleep(min(left, CANCEL_CHECK_S))
        raise Cancelled()

    def _consume(self, stream: Iterator[Chunk], chunk: Chunk) -> Iterator[str]:
        try:
            while True:
                if text := self._take(chunk):
                    yield text
                self._check_going()
                chunk = next(stream, None)
                if chunk is None:
                    break
        except ProviderError as e:
            self._cut(e)
            return
        finally:
            _close(stream)
        self._settle_end()

    async def _aconsume(self, stream: AsyncIterator[Chunk], chunk: Chunk) -> AsyncIterator[str]:
        try:
            while True:
                if text := self._take(chunk):
                    yield text
                self._check_going()
                chunk = await anext(stream, None)
                if chunk is None:
                    break
        except ProviderError as e:
            self._cut(e)
            return
        finally:
            await _aclose(stream)
        self._settle_end()

    def _take(self, chunk: Chunk) -> str:
        """Absorb one chunk; its visible text ("" when it has none), timed."""
        r = self.result
        self._absorb(chunk)
        if not chunk.text:
            return ""
        now = time.monotonic()
        if r.ttft_ms is None:
            r.ttft_ms = (now - self._started) * 1000
            self._first_piece = chunk.text
        self._text_times = [self._text_times[0] if self._text_times else now, now]
        self._text_pieces += 1
        r.text += chunk.text
        self._update_live_figures(now)
        return chunk.text

    def _check_going(self) -> None:
        if self.cancel_event.is_set():
            raise Cancelled()
        if time.monotonic() > self._deadline:
            raise ProviderError(f"no complete answer within {self.policy.total_timeout_s:.0f} s", kind="timeout")

    def _cut(self, e: ProviderError) -> None:
        r = self.result
        r.status, r.error, r.error_kind = "incomplete", redact(str(e)), e.kind

    def _settle_end(self) -> None:
        """The stream ended: complete with the model's finish signal, else cut short."""
        r = self.result
        if r.finish_reason:
            r.status, r.error, r.error_kind = "ok", "", ""
        else:
            r.status, r.error_kind = "incomplete", "connection"
            r.error = "the stream ended before the model's finish signal: the answer may be cut short"

    def _absorb(self, chunk: Chunk) -> None:
        r = self.result
        if chunk.finish_reason:
            r.finish_reason = chunk.finish_reason
        if chunk.prompt_tokens is not None:
            r.prompt_tokens = chunk.prompt_tokens
        if chunk.completion_tokens is not None:
            r.completion_tokens = chunk.completion_tokens
        if chunk.response_model:
            r.provider_model = chunk.response_model
        for name in ("reasoning_tokens", "cached_prompt_tokens", "cache_write_tokens", "provider_cost_usd"):
            if getattr(chunk, name) is not None:
                setattr(r, name, getattr(chunk, name))
        if chunk.note:
            r.add_note(chunk.note)
        if chunk.thought:
            self._thought = True

    def _update_live_figures(self, now: float) -> None:
        """Provisional latency and tokens/s while streaming (final figures replace them)."""
        r = self.result
        r.latency_ms = (now - self._started) * 1000
        generating_s = (r.latency_ms - r.ttft_ms) / 1000
        r.tokens_per_s = estimate(r.text) / generating_s if generating_s > 0.05 else None

    def _finish(self, model: Model | None) -> None:
        r = self.result
        r.latency_ms = (time.monotonic() - self._started) * 1000 if self._started is not None else None
        self._settle_failure_after_finish()
        self._count_tokens(model is not None)
        r.tokens_per_s = self._visible_rate()
        generating_s = (r.latency_ms or 0) / 1000  # from the request to the end: thinking and answering
        r.generation_tokens_per_s = (
            r.completion_tokens / generating_s if r.completion_tokens and generating_s > 0.001 and r.ttft_ms else None
        )
        r.cost_usd = (
            model.cost(r.prompt_tokens, r.completion_tokens, r.cached_prompt_tokens, r.cache_write_tokens)
            if model
            else None
        )

    def _log(self) -> None:
        """Write the result's row (one per call, however it ended), unless the caller logs it (`store=False`)."""
        if self.store is not False:
            store = self.store or _default_store()
            self.result.log_warning = store.append_response(self.result)

    async def _alog(self) -> None:
        """`_log` from the event loop, shielded: a cancelled call is logged too. The row goes with the others that
        end meanwhile, in one write on a worker thread (`group_commit`), so the loop never waits on the file lock
        or the disk; the reply ends after its row is written."""
        if self.store is not False:
            store = self.store or _default_store()
            with anyio.CancelScope(shield=True):
                self.result.log_warning = await group_commit(store).append_response(self.result)

    def _visible_rate(self) -> float | None:
        """Visible answer tokens per second between the first and the last piece of text, the first piece's tokens
        left out (they arrived at the start of that span). None for an answer that came in one piece, whose
        span measures the network, not the model; reasoning tokens are never divided by this span."""
        r = self.result
        if self._text_pieces < 2 or not r.completion_tokens:
            return None
        span_s = self._text_times[1] - self._text_times[0]
        if r.reasoning_tokens is None and self._thought:  # thinking billed as output with no figure apart (Anthropic)
            visible = count_text(r.text)[0]
        else:
            visible = r.completion_tokens - (r.reasoning_tokens or 0)
        after_first = visible - estimate(self._first_piece)
        return after_first / span_s if span_s > 0.001 and after_first > 0 else None

    def _settle_failure_after_finish(self) -> None:
        """A stream that failed after the model's finish signal holds the whole answer: it is complete, and when the
        usage report that comes after the finish (OpenAI-style streams) was lost with it, a note says the counts
        are estimates."""
        r = self.result
        if r.status != "incomplete" or not r.finish_reason:
            return
        if r.prompt_tokens is None or r.completion_tokens is None:
            r.add_note(USAGE_LOST_NOTE)
        r.status, r.error, r.error_kind = "ok", "", ""

    def _count_tokens(self, called: bool) -> None:
        """Each count from the provider's report, else estimated, and labelled with where it came from."""
        r = self.result
        if not called:  # nothing was sent to any model: no tokens were used
            r.prompt_tokens = r.completion_tokens = None
            r.token_source = r.prompt_token_source = r.completion_token_source = ""
            return
        r.prompt_token_source = r.completion_token_source = "provider"
        if r.prompt_tokens is None:
            r.prompt_tokens, r.prompt_token_source = count_messages(self.messages)
        if r.completion_tokens is None:
            r.completion_tokens, r.completion_token_source = count_text(r.text)
        r.token_source = combined_source(r.prompt_token_source, r.completion_token_source)


def _close(stream: Iterator) -> None:
    close = getattr(stream, "close", None)
    if close:
        close()


async def _aclose(stream: AsyncIterator) -> None:
    """Close an async stream (and its HTTP response), even in a cancelled task: an unclosed one keeps its
    connection, and the provider keeps generating."""
    aclose = getattr(stream, "aclose", None)
    if aclose:
        with anyio.CancelScope(shield=True):
            await aclose()


def _default_store():
    from .store.csv_store import default_store

    return default_store()


def ask(model: str | Model, messages: list[Message] | str, options: Options | None = None, **kw) -> Result:
    """Ask one model and wait for the whole answer (a plain string is one user message)."""
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    return Turn(model, messages, options, **kw).complete()
