"""The Anthropic Messages API: `POST /v1/messages` as a typed event stream, and `GET /v1/models`."""

from __future__ import annotations

from .wire import MALFORMED_DATA, Received, Wire, presented_key, retry_headers, sse

_ERRORS = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key: {key}"),
    403: ("permission_error", "Your API key does not have permission to use the specified resource."),
    404: ("not_found_error", "model: {model}"),
    429: ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit."),
    529: ("overloaded_error", "Overloaded"),
}


def _event(kind: str, **data) -> bytes:
    return sse({"type": kind, **data}, event=kind)


class AnthropicWire(Wire):
    """message_start (input and cache usage), a thinking block when scripted (thinking_delta…, signature_delta),
    content_block_start, ping, content_block_delta…, content_block_stop, message_delta (stop_reason, the output
    usage with the input and cache counts repeated), message_stop."""

    name = "anthropic"
    default_models = ("claude-sonnet-4-5", "claude-haiku-4-5")

    def route(self, method: str, path: str) -> str | None:
        if method == "POST" and path == "/v1/messages":
            return "stream"
        if method == "GET" and path == "/v1/models":
            return "models"
        return None

    def prompt_text(self, body: dict) -> str:
        system = body.get("system") or ""
        system_text = system if isinstance(system, str) else " ".join(block.get("text", "") for block in system)
        return " ".join([system_text, *(_text(m.get("content", "")) for m in body.get("messages", []))])

    def max_tokens(self, body: dict) -> int | None:
        return body.get("max_tokens")

    def opening(self, received: Received, prompt_tokens: int) -> list[bytes]:
        message = {
            "id": "msg_loopback",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": received.model,
            "stop_reason": None,
            "stop_sequence": None,
        }
        if received.behaviour.usage:
            message["usage"] = {**_input_usage(received.behaviour, prompt_tokens), "output_tokens": 1}
        text_block = _text_index(received)
        return [
            _event("message_start", message=message),
            *_thinking_block(received.behaviour.thinking_text),
            _event("content_block_start", index=text_block, content_block={"type": "text", "text": ""}),
            _event("ping"),
        ]

    def token(self, received: Received, text: str, prompt_tokens: int, sent: int) -> bytes:
        delta = {"type": "text_delta", "text": text}
        return _event("content_block_delta", index=_text_index(received), delta=delta)

    def closing(self, received: Received, prompt_tokens: int, sent: int, truncated: bool) -> list[bytes]:
        delta = {"stop_reason": "max_tokens" if truncated else "end_turn", "stop_sequence": None}
        # message_delta repeats the input and cache counts (as the API has since 2025) beside the output
        usage = {
            **_input_usage(received.behaviour, prompt_tokens),
            "output_tokens": sent + received.behaviour.thinking_tokens,
        }
        usage = usage if received.behaviour.usage else {}
        return [
            _event("content_block_stop", index=_text_index(received)),
            _event("message_delta", delta=delta, **({"usage": usage} if usage else {})),
            _event("message_stop"),
        ]

    def finishing(self, received: Received, prompt_tokens: int, sent: int, truncated: bool) -> list[bytes]:
        return self.closing(received, prompt_tokens, sent, truncated)[:2]  # message_delta carries the stop reason

    def stream_error(self, received: Received) -> bytes:
        return _event("error", error={"type": "overloaded_error", "message": "Overloaded"})

    def malformed_event(self, received: Received) -> bytes:
        return sse(MALFORMED_DATA, event="content_block_delta")

    def error(self, received: Received, status: int) -> tuple[dict, dict[str, str]]:
        kind, message = _ERRORS.get(status, ("api_error", "Internal server error"))
        text = message.format(key=presented_key(received), model=received.model)
        body = {"type": "error", "error": {"type": kind, "message": text}, "request_id": "req_loopback"}
        return body, retry_headers(received.behaviour)

    def models(self, names: list[str]) -> dict:
        entries = [{"type": "model", "id": n, "display_name": n, "created_at": "2025-01-01T00:00:00Z"} for n in names]
        return {
            "data": entries,
            "has_more": False,
            "first_id": names[0] if names else None,
            "last_id": names[-1] if names else None,
        }


def _text(content: str | list) -> str:
    if isinstance(content, str):
        return content
    return " ".join(block.get("text", "") for block in content)


def _input_usage(behaviour, prompt_tokens: int) -> dict:
    """Anthropic's input counts: `input_tokens` leaves out what was read from or written to the cache."""
    cached, written = behaviour.cached_tokens, behaviour.cache_write_tokens
    return {"input_tokens": max(prompt_tokens - cached - written, 0), "cache_creation_input_tokens": written,
            "cache_read_input_tokens": cached}  # fmt: skip


def _text_index(received: Received) -> int:
    """The answer's content block: after the thinking block when there is one."""
    return 1 if received.behaviour.thinking_text else 0


def _thinking_block(thinking: str) -> list[bytes]:
    """An extended-thinking block as the API streams it: thinking deltas, then the signature, then its stop."""
    if not thinking:
        return []
    pieces = [thinking[i : i + 40] for i in range(0, len(thinking), 40)]
    block = {"type": "thinking", "thinking": "", "signature": ""}
    return [
        _event("content_block_start", index=0, content_block=block),
        *(_event("content_block_delta", index=0, delta={"type": "thinking_delta", "thinking": p}) for p in pieces),
        _event("content_block_delta", index=0, delta={"type": "signature_delta", "signature": "EqQBCgIYAhIM" * 4}),
        _event("content_block_stop", index=0),
    ]
