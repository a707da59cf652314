"""An OpenAI-compatible gateway: `POST /v1/chat/completions` and `GET /v1/models`.

Point any OpenAI client at `http://localhost:8000/v1`; every call goes through the same catalog, fallbacks, `auto`
routing and log as `/chat`, logged under the session id `openai-gateway`, and its reply carries Switchboard's
request id (`x-switchboard-request-id`, also inside the completion id) so it can be rated or voted on.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.background import BackgroundTask

from ..catalog import Catalog, Model, catalog_with_local_models
from ..config import Config
from ..engine import Turn, pick_auto
from ..errors import OptionsError, SwitchboardError, UnknownModelError
from ..options import parse_options
from . import openai_wire as wire
from .calls import (
    Prepared,
    SafeJSONResponse,
    check_model,
    complete_unless_disconnected,
    http_status,
    new_turn,
    prepared,
)
from .sse import SSE_HEADERS, TurnStream

GATEWAY_SESSION = "openai-gateway"  # the session id gateway calls are logged under: Analytics can tell them apart
REQUEST_ID_HEADER = "x-switchboard-request-id"
PREFIX = "/v1"
_BODY_SCHEMA = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {
        "model": {"type": "string", "description": "A Switchboard model id, alias, provider:model, or auto."},
        "messages": {"type": "array", "items": {"type": "object"}, "description": "system/user/assistant turns."},
        "temperature": {"type": "number"},
        "max_tokens": {"type": "integer"},
        "max_completion_tokens": {"type": "integer"},
        "top_p": {"type": "number"},
        "stream": {"type": "boolean"},
        "stream_options": {"type": "object", "properties": {"include_usage": {"type": "boolean"}}},
    },
    "example": {"model": "echo", "messages": [{"role": "user", "content": "Hello!"}]},
}


def is_gateway_path(path: str) -> bool:
    """True for the gateway's routes, whose errors take OpenAI's shape."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def error_response(error: wire.WireError, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error as OpenAI sends it: `{"error": {...}}` with its status."""
    return SafeJSONResponse(status_code=error.status, content=error.body(), headers=headers)


def gateway_router(store) -> APIRouter:
    """The `/v1` routes; the caller adds the bearer-token guard."""
    router = APIRouter(prefix=PREFIX, tags=["openai-compatible"])

    @router.get("/models")
    def models() -> dict:
        """Every Switchboard model, in OpenAI's list shape (`owned_by` is the provider)."""
        catalog = catalog_with_local_models(Config())
        return {"object": "list", "data": [wire.model_entry(m.id, m.provider, 0) for m in catalog.models.values()]}

    @router.post(
        "/chat/completions",
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _BODY_SCHEMA}}}},
    )
    async def chat_completions(request: Request):
        """OpenAI's chat completions, streamed (`stream: true`) or not; answered by any Switchboard model."""
        try:
            body = wire.parse_request(await request.body())
            turn = await prepared(_prepared_turn, body, store)
        except wire.WireError as e:
            return error_response(e)
        headers = {REQUEST_ID_HEADER: turn.result.request_id}
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return await _stream(turn, include_usage, headers)
        result = await complete_unless_disconnected(turn, request)
        if not result.ok:
            return failure_response(turn, headers)
        return SafeJSONResponse(wire.completion(result), headers=headers)

    return router


def _prepared_turn(body: dict, store) -> Turn:
    """The Turn the body asks for, or a WireError saying what is wrong with it (before any model is asked)."""
    messages = wire.conversation(body)
    try:
        options = parse_options(wire.generation_options(body))
    except OptionsError as e:
        raise wire.WireError(400, str(e), param=_named_option(str(e)), code="invalid_value") from e
    config = Config()
    catalog = catalog_with_local_models(config)
    try:
        check_model(catalog, body["model"])
    except UnknownModelError as e:
        raise wire.WireError(404, str(e), param="model", code="model_not_found") from e
    except SwitchboardError as e:
        raise wire.WireError(400, str(e), param="model") from e
    prepared = Prepared(messages, options, "", catalog, config)
    turn = new_turn(prepared, configured_chain(catalog, config, body["model"]), store, session_id=GATEWAY_SESSION)
    turn.result.requested_model = body["model"]  # the log keeps what the client asked for (`auto`, an alias)
    return turn


def configured_chain(catalog: Catalog, config: Config, name: str) -> Model:
    """The model `name` resolves to, falling back only to models whose provider is configured.

    A fallback that cannot be called would fail with "not configured" and hide the real failure (a 429 with its
    Retry-After, a 502) behind a 503.
    """
    model = pick_auto(catalog, config) if name.strip() == "auto" else catalog.get(name)
    usable = tuple(f for f in model.fallbacks if config.status(catalog.get(f).provider).configured)
    return model.model_copy(update={"fallbacks": usable})


def _named_option(message: str) -> str | None:
    return next((name for name in ("temperature", "max_tokens", "top_p") if name in message), None)


def failure_response(turn: Turn, headers: dict[str, str]) -> JSONResponse:
    """A failed call as an OpenAI error: 429 with Retry-After, 502/504 for the provider, 503 when not configured."""
    result = turn.result
    status = 429 if result.error_kind == "rate_limit" else http_status(result)
    if result.status == "incomplete" and status == 200:
        status = 502
    code = {"ContextTooLongError": "context_length_exceeded", "NeedsKeyError": "model_not_configured"}
    error = wire.WireError(status, result.error or f"the call ended {result.status}", code=code.get(result.error_kind))
    if status == 429 and turn.retry_after is not None:  # whole seconds, rounded up: never sooner than asked
        headers = {**headers, "Retry-After": str(math.ceil(turn.retry_after))}
    return error_response(error, headers)


async def _stream(turn: Turn, include_usage: bool, headers: dict[str, str]):
    """Wait for the first text, then stream chunks; a call that fails before any text gets a JSON error instead."""
    stream = TurnStream(turn)
    first = await stream.next_piece()
    if first is None and not turn.result.ok:
        await stream.close()
        return failure_response(turn, headers)
    return StreamingResponse(
        _chunks(stream, first, include_usage),
        media_type="text/event-stream",
        headers={**SSE_HEADERS, **headers},
        background=BackgroundTask(stream.close),  # also when the client left while a chunk was being sent
    )


async def _chunks(stream: TurnStream, first: str | None, include_usage: bool) -> AsyncIterator[bytes]:
    """role, content deltas, the finish chunk, the usage chunk when asked, then [DONE]; or an error event if cut.

    The role goes out with the first text, and the finish, usage and [DONE] together: one write each, not five (a
    write is a system call, and 200 streams make thousands)."""
    r = stream.turn.result
    try:
        opening = wire.sse_data(wire.chunk(r, {"role": "assistant", "content": ""}))
        piece = first
        while piece is not None:
            yield opening + wire.sse_data(wire.chunk(r, {"content": piece}))
            opening = b""
            piece = await stream.next_piece()
        if not r.ok:  # cut mid-answer: the openai SDK raises on an `error` event instead of returning half
            status = 504 if r.error_kind == "timeout" else 502
            yield opening + wire.sse_data(wire.WireError(status, r.error or f"the call ended {r.status}").body())
            return
        closing = [wire.chunk(r, {}, wire.finish_reason(r))]
        if include_usage:
            closing.append(wire.chunk(r, {}, choices=False))
        yield opening + b"".join(wire.sse_data(event) for event in [*closing, "[DONE]"])
    finally:
        await stream.close()
