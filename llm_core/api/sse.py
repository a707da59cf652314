"""A Turn as server-sent events (`text/event-stream`): the format is SSE_FORMAT below."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import anyio
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.background import BackgroundTask

from ..engine import Turn
from .calls import reply_response
from .schemas import Reply

SSE_FORMAT = """With `stream=true` the reply is `text/event-stream`, in this order:

    event: start    data: {"request_id", "model", "requested_model", "provider", "input_notice"}
    event: delta    data: {"text": "..."}        one per piece of text, as it arrives
    event: result   data: {...}                  the same JSON as a reply without stream=true

Every `data` line is one JSON object, and `result` is always last: its `status` says whether the answer is
complete (`ok`) or was cut (`incomplete`, with `error`). A call that fails before any text is not streamed:
the reply is a JSON error (502, 503 or 504) as without stream=true. When the client disconnects, the call
is cancelled and logged as `cancelled` with the text it had."""
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def sse_event(event: str, data: dict) -> bytes:
    """One event: its name and one line of JSON (json.dumps never emits a raw newline).

    A lone surrogate (a model may send one) goes out as its JSON escape, as in SafeJSONResponse."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode("utf-8", "backslashreplace")


class TurnStream:
    """Pulls a Turn's text on the event loop (no thread per call); closing it cancels the Turn, which is logged
    however it ended."""

    def __init__(self, turn: Turn, input_notice: str = ""):
        self.turn = turn
        self.input_notice = input_notice
        self._pieces = aiter(turn)

    async def next_piece(self) -> str | None:
        """The next piece of text, or None when the Turn is over.

        A cancelled request (the client left) cancels the Turn where it waits, and it ends `cancelled`."""
        return await anext(self._pieces, None)

    async def close(self) -> None:
        """Stop the Turn (idempotent). It ends as `cancelled` unless it had already finished."""
        self.turn.cancel()
        with anyio.CancelScope(shield=True):  # finish closing (and logging) even while the request is cancelled
            await self._pieces.aclose()

    async def events(self, first: str | None) -> AsyncIterator[bytes]:
        """start, the deltas, then result; the Turn is closed when this ends, however it ends."""
        r = self.turn.result
        try:
            yield sse_event(
                "start",
                {
                    "request_id": r.request_id,
                    "model": r.model,
                    "requested_model": r.requested_model,
                    "provider": r.provider,
                    "input_notice": self.input_notice,
                },
            )
            piece = first
            while piece is not None:
                yield sse_event("delta", {"text": piece})
                piece = await self.next_piece()
            yield sse_event("result", Reply.of(r, self.input_notice).model_dump())
        finally:
            await self.close()


async def stream_turn(turn: Turn, input_notice: str = "") -> StreamingResponse | JSONResponse:
    """Wait for the first text, then stream; a Turn that fails before any text gets a JSON error instead."""
    stream = TurnStream(turn, input_notice)
    first = await stream.next_piece()
    if first is None and not turn.result.ok:
        await stream.close()
        return reply_response(turn.result, input_notice)
    return StreamingResponse(
        stream.events(first),
        media_type="text/event-stream",
        headers=SSE_HEADERS,
        background=BackgroundTask(stream.close),  # also when the client left while an event was being sent
    )
