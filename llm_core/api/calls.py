"""From an API request to a ready Turn or Comparison: every check that can fail is made before any call."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from fastapi import Request
from fastapi.responses import JSONResponse

from ..catalog import Catalog, Model, catalog_with_local_models, local_models_known
from ..compare import Comparison, Job
from ..config import Config
from ..engine import Turn, pick_auto
from ..errors import SwitchboardError
from ..options import Options, parse_options
from ..record import Message, Result
from ..templates import compose_messages
from .schemas import Reply

API_SESSION = "api"  # the session id API calls are logged under, so Analytics can tell them apart
# A comparison still runs its models on threads (compare.py). They get a pool of their own, so however many are in
# flight the shared pool (Starlette's 40 threads) stays free for the quick routes. A single model's call (/generate,
# /chat, /v1/chat/completions) holds no thread: it runs on the event loop (Turn.acomplete, async for over a Turn).
MODEL_CALL_THREADS = 100
_model_calls = anyio.CapacityLimiter(MODEL_CALL_THREADS)  # beyond it, calls wait their turn
# Getting a call ready (the catalog, which may ask an Ollama server what it has) is quick but may block: it runs on
# a few threads of its own, never one per call.
PREPARING_THREADS = 4
_preparing = anyio.CapacityLimiter(PREPARING_THREADS)
T = TypeVar("T")


async def off_loop(work: Callable[..., T], *args: Any) -> T:
    """Run quick blocking work (preparing a call) on the preparing threads."""
    return await anyio.to_thread.run_sync(work, *args, limiter=_preparing)


async def prepared(work: Callable[..., T], *args: Any) -> T:
    """Get a call ready with `work`: right here on the loop when it cannot block (the catalog is at hand and no
    Ollama server needs asking, `local_models_known`), else on the preparing threads (`off_loop`).

    The work takes 0.1 ms; a hop to a thread on a busy loop waits for the interpreter far longer, and a crowd of
    200 calls at once reached their model 0.6 s later for it."""
    if local_models_known(Config()):
        return work(*args)
    return await off_loop(work, *args)


async def in_call_thread(work: Callable[..., T], *args: Any) -> T:
    """Run blocking model-call work (a Comparison) on the model calls' pool."""
    return await anyio.to_thread.run_sync(work, *args, limiter=_model_calls)


async def unless_disconnected(request: Request, work: Callable[[], T], cancel: Callable[[], None]) -> T:
    """Run blocking `work` on the model calls' pool; when the client leaves first, `cancel` it (it logs `cancelled`).

    The body has been read, so the next ASGI message is the client's disconnect (or the end of the response):
    without this, a call whose client has gone runs to the end and is paid for.
    """

    async def cancel_on_disconnect() -> None:
        await _disconnected(request)
        cancel()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(cancel_on_disconnect)
        outcome = await in_call_thread(work)
        tasks.cancel_scope.cancel()
    return outcome


async def until_disconnected(request: Request, call: Callable[[], Awaitable[Any]]) -> None:
    """Await `call()` on the event loop; when the client leaves first, cancel it (a Turn logs itself `cancelled`)."""
    with anyio.CancelScope() as scope:

        async def cancel_on_disconnect() -> None:
            await _disconnected(request)
            scope.cancel()

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(cancel_on_disconnect)
            await call()
            tasks.cancel_scope.cancel()


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def complete_unless_disconnected(turn: Turn, request: Request) -> Result:
    """The Turn's final result, on the event loop; cancelled, and logged `cancelled`, when the client leaves first."""
    await until_disconnected(request, turn.acomplete)
    return turn.result


class SafeJSONResponse(JSONResponse):
    """JSON that any text survives: a lone surrogate (a model may send one) goes out as its JSON escape."""

    def render(self, content: Any) -> bytes:
        """As JSONResponse, but never a UnicodeEncodeError after the model has answered."""
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        # json.dumps puts non-ASCII only inside strings, where backslashreplace's \udfff is a valid JSON escape.
        return text.encode("utf-8", "backslashreplace")


class BadRequestError(SwitchboardError):
    """The request is well-formed but cannot be answered as it stands (an empty prompt, say)."""


@dataclass(frozen=True)
class Prepared:
    """Everything a call needs, checked: the conversation, the options, and where models come from."""

    messages: list[Message]
    options: Options
    template: str
    catalog: Catalog
    config: Config


def prepare(
    prompt: str,
    *,
    template: str | None = None,
    system: str | None = None,
    options: dict[str, Any] | None = None,
    history: list[Message] | None = None,
) -> Prepared:
    """Apply the template, check the prompt and options, and load the catalog once for the call."""
    if not prompt.strip():
        raise BadRequestError("the prompt is empty: send some text in `prompt`")
    parsed = parse_options(options)
    messages = compose_messages(prompt, template, system, history)
    config = Config()
    return Prepared(messages, parsed, template or "", catalog_with_local_models(config), config)


def check_model(catalog: Catalog, name: str) -> None:
    """UnknownModelError, listing the valid ids, unless `name` is `auto` or a model the catalog can resolve."""
    if name.strip() != "auto":
        catalog.get(name)


def model_with_fallbacks(prepared: Prepared, name: str, fallbacks: list[str] | None) -> str | Model:
    """The model to ask: its name as given, or (with explicit fallbacks) the model carrying that chain."""
    check_model(prepared.catalog, name)
    if fallbacks is None:
        return name
    for fallback in fallbacks:
        if fallback.strip() == "auto":
            raise BadRequestError("`auto` cannot be a fallback: name the models to fall back to")
        check_model(prepared.catalog, fallback)
    base = pick_auto(prepared.catalog, prepared.config) if name.strip() == "auto" else prepared.catalog.get(name)
    return base.model_copy(update={"fallbacks": tuple(fallbacks)})


def new_turn(prepared: Prepared, model: str | Model, store=None, *, session_id: str = API_SESSION) -> Turn:
    """A Turn ready to run, logged under `session_id` (its source) when it ends, however it ends."""
    return Turn(
        model,
        prepared.messages,
        prepared.options,
        catalog=prepared.catalog,
        config=prepared.config,
        store=store,
        session_id=session_id,
        template=prepared.template,
    )


def new_comparison(prepared: Prepared, models: list[str], store=None) -> Comparison:
    """Every model on its own thread, answering the same conversation."""
    for name in models:
        check_model(prepared.catalog, name)
    jobs = [Job(name, prepared.messages, prepared.options, template=prepared.template) for name in models]
    return Comparison(jobs, catalog=prepared.catalog, config=prepared.config, store=store, session_id=API_SESSION)


def http_status(result: Result) -> int:
    """200 for an answer; 504 when the provider timed out; 502 for any other provider failure.

    A model that is not configured is the server's problem (503); a prompt too long for the model is the
    caller's (400).
    """
    if result.ok:
        return 200
    special = {"timeout": 504, "NeedsKeyError": 503, "ContextTooLongError": 400}
    return special.get(result.error_kind, 502)


def reply_response(result: Result, input_notice: str = "") -> JSONResponse:
    """The reply for a finished call: the record, with `detail` and a 4xx/5xx status when it failed."""
    body = Reply.of(result, input_notice).model_dump()
    if result.ok:
        return SafeJSONResponse(body)
    return SafeJSONResponse(status_code=http_status(result), content={"detail": result.error, **body})
