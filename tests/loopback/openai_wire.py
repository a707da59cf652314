"""OpenAI chat completions as served by OpenAI, OpenRouter, Ollama, vLLM, and Groq (under /openai/v1)."""

from __future__ import annotations

import re
import time

from .wire import Received, Wire, presented_key, retry_headers, sse

_ERRORS = {
    400: ("invalid_request_error", "invalid_request", "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided: {key}."),
    403: (
        "invalid_request_error",
        "unsupported_country_region_territory",
        "Country, region, or territory not supported.",
    ),
    404: (
        "invalid_request_error",
        "model_not_found",
        "The model `{model}` does not exist or you do not have access to it.",
    ),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for {model} on requests per min (RPM): Limit 3."),
}
_SERVER_ERROR = ("server_error", None, "The server had an error while processing your request. Sorry about that!")


def _is_groq(received: Received) -> bool:
    return received.path.startswith("/openai/")


class OpenAIWire(Wire):
    """`data: {chunk}` events, a usage chunk with empty choices when asked for, then `data: [DONE]`.

    On the Groq path the finishing chunk also carries `x_groq.usage`, as Groq sends it.
    """

    name = "openai"
    base_path = "/v1"
    default_models = ("gpt-4o-mini", "gpt-4.1")

    def route(self, method: str, path: str) -> str | None:
        if method == "POST" and path.endswith("/chat/completions"):
            return "stream"
        if method == "GET" and path.endswith("/models"):
            return "models"
        return None

    def prompt_text(self, body: dict) -> str:
        return " ".join(str(m.get("content", "")) for m in body.get("messages", []))

    def max_tokens(self, body: dict) -> int | None:
        return body.get("max_completion_tokens") or body.get("max_tokens")

    def _chunk(self, received: Received, choices: list[dict], **extra) -> dict:
        chunk = {
            "id": f"chatcmpl-loopback{id(received)}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": received.model,
            "system_fingerprint": "fp_loopback",
            "choices": choices,
        }
        if self._wants_usage_chunk(received):
            chunk["usage"] = None
        return chunk | extra

    def _wants_usage_chunk(self, received: Received) -> bool:
        asked = bool((received.body or {}).get("stream_options", {}).get("include_usage"))
        return asked and received.behaviour.usage and received.behaviour.usage_chunk

    def opening(self, received: Received, prompt_tokens: int) -> list[bytes]:
        delta = {"role": "assistant", "content": "", "refusal": None}
        # Groq's first chunk names the request
        groq_id = {"x_groq": {"id": "req_loopback"}} if _is_groq(received) else {}
        # reasoning text before the answer, in `delta.reasoning` as Groq and OpenRouter stream it (content stays null)
        reasoning = _pieces(received.behaviour.thinking_text)
        thinking = [sse(self._chunk(received, [_choice({"content": None, "reasoning": r})])) for r in reasoning]
        return [sse(self._chunk(received, [_choice(delta)], **groq_id)), *thinking]

    def token(self, received: Received, text: str, prompt_tokens: int, sent: int) -> bytes:
        return sse(self._chunk(received, [_choice({"content": text})]))

    def closing(self, received: Received, prompt_tokens: int, sent: int, truncated: bool) -> list[bytes]:
        usage = _usage(received.behaviour, prompt_tokens, sent)
        finish = _choice({}, "length" if truncated else "stop")
        extra = (
            {"x_groq": {"id": "req_loopback", "usage": _groq_usage(usage)}}
            if _is_groq(received) and received.behaviour.usage
            else {}
        )
        events = [sse(self._chunk(received, [finish], **extra))]
        if self._wants_usage_chunk(received):
            events.append(sse(self._chunk(received, [], usage=usage)))
        return events + [sse("[DONE]")]

    def stream_error(self, received: Received) -> bytes:
        kind, code, message = _SERVER_ERROR
        return sse({"error": {"message": message, "type": kind, "param": None, "code": code}})

    def error(self, received: Received, status: int) -> tuple[dict, dict[str, str]]:
        kind, code, message = _ERRORS.get(status, _SERVER_ERROR)
        text = message.format(key=presented_key(received), model=received.model)
        return {"error": {"message": text, "type": kind, "param": None, "code": code}}, retry_headers(
            received.behaviour
        )

    def models(self, names: list[str]) -> dict:
        entries = [{"id": n, "object": "model", "created": 1700000000, "owned_by": "loopback"} for n in names]
        return {"object": "list", "data": entries}


def _choice(delta: dict, finish_reason: str | None = None) -> dict:
    return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}


def _usage(behaviour, prompt_tokens: int, sent: int) -> dict:
    """Usage with the details OpenAI sends: reasoning inside completion_tokens (xAI: only in the details and the
    total), cached prompt tokens, and OpenRouter's own cost when scripted."""
    reasoning = behaviour.thinking_tokens
    completion = sent if behaviour.reasoning_outside_completion else sent + reasoning
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": prompt_tokens + sent + reasoning,
        "prompt_tokens_details": {"cached_tokens": behaviour.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    }  # fmt: skip
    if behaviour.reported_cost is not None:
        usage["cost"] = behaviour.reported_cost
    return usage


def _groq_usage(usage: dict) -> dict:
    """`x_groq.usage` on Groq's finishing chunk: the counts with Groq's timings, and the details only where Groq has
    them (cached prompt tokens, reasoning tokens)."""
    cached, reasoning = (
        usage["prompt_tokens_details"]["cached_tokens"],
        usage["completion_tokens_details"]["reasoning_tokens"],
    )
    details = {
        "prompt_tokens_details": {"cached_tokens": cached},
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }
    timings = {"queue_time": 0.0123, "prompt_time": 0.0021, "completion_time": 0.0456, "total_time": 0.0477}
    counts = {name: usage[name] for name in ("prompt_tokens", "completion_tokens", "total_tokens")}
    return {**counts, **timings, **details}


def _pieces(text: str) -> list[str]:
    """Reasoning text in word-sized deltas."""
    return re.findall(r"\s*\S+", text)
