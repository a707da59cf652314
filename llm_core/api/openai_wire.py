"""The OpenAI chat-completions wire format, as the gateway (`gateway.py`) reads and writes it.

A request is checked whole before any model is asked: a parameter Switchboard cannot honour (tools, n > 1,
logprobs, ...) is a 400 naming it, never silently dropped. Replies, stream chunks and errors take the shapes the
official `openai` SDK parses.
"""

from __future__ import annotations

import json
from typing import Any

from ..record import Message, Result

# Parameters a client may send with a value that asks for nothing Switchboard lacks (LangChain sends `n: 1`).
HARMLESS_VALUES: dict[str, tuple[Any, ...]] = {
    "n": (1,),
    "logprobs": (False,),
    "presence_penalty": (0, 0.0),
    "frequency_penalty": (0, 0.0),
    "parallel_tool_calls": (True, False),
    "user": (),  # an end-user id: any value, not used
}
SUPPORTED = ("model", "messages", "temperature", "max_tokens", "max_completion_tokens", "top_p", "stream")
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}
FINISH_REASONS = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "length": "length",
    "max_tokens": "length",
    "content_filter": "content_filter",
    "safety": "content_filter",
    "refusal": "content_filter",
}


class WireError(Exception):
    """A request the gateway refuses: an OpenAI error with its status, type, parameter and code."""

    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.param, self.code = status, param, code

    @property
    def error_type(self) -> str:
        """OpenAI's `type` for the status: what its SDK and docs expect."""
        if self.status == 401:
            return "authentication_error"
        if self.status == 429:
            return "rate_limit_exceeded"
        return "invalid_request_error" if self.status < 500 else "api_error"

    def body(self) -> dict:
        """`{"error": {"message", "type", "param", "code"}}`, OpenAI's error shape."""
        return {"error": {"message": str(self), "type": self.error_type, "param": self.param, "code": self.code}}


def bad_param(param: str, message: str) -> WireError:
    """A 400 about one parameter."""
    return WireError(400, message, param=param, code="unsupported_parameter")


def parse_request(raw: bytes) -> dict:
    """The request body as a JSON object; a WireError for anything else."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise WireError(400, f"the request body is not JSON encoded as UTF-8 ({e}); send a JSON object") from e
    if not isinstance(body, dict):
        raise WireError(400, "the request body must be a JSON object with `model` and `messages`")
    check_parameters(body)
    return body


def check_parameters(body: dict) -> None:
    """Refuse, by name, every parameter Switchboard does not support with the value it was given."""
    for name, value in body.items():
        if name in SUPPORTED or value is None:
            continue
        if name == "stream_options":
            _check_stream_options(value)
        elif name not in HARMLESS_VALUES:
            raise bad_param(name, f"`{name}` is not supported by Switchboard; supported: {', '.join(SUPPORTED)}")
        elif HARMLESS_VALUES[name] and value not in HARMLESS_VALUES[name]:
            raise bad_param(name, f"`{name}={json.dumps(value)}` is not supported by Switchboard: leave it out")
    if not isinstance(body.get("model"), str) or not body["model"].strip():
        raise WireError(400, "`model` is required: a model id, alias, provider:model or auto", param="model")
    if not isinstance(body.get("stream", False), bool):
        raise WireError(400, "`stream` must be true or false", param="stream")


def _check_stream_options(value: Any) -> None:
    if not isinstance(value, dict) or set(value) - {"include_usage"}:
        raise bad_param("stream_options", "`stream_options` supports only `include_usage`")


def generation_options(body: dict) -> dict[str, Any]:
    """temperature, max_tokens (or max_completion_tokens) and top_p as Switchboard's options."""
    if body.get("max_tokens") is not None and body.get("max_completion_tokens") is not None:
        raise WireError(400, "send `max_completion_tokens` or `max_tokens`, not both", param="max_tokens")
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    return {"temperature": body.get("temperature"), "max_tokens": max_tokens, "top_p": body.get("top_p")}


def conversation(body: dict) -> list[Message]:
    """The messages as Switchboard sends them: system and developer turns first, then the dialogue."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise WireError(400, "`messages` must be a non-empty list of {role, content}", param="messages")
    system: list[str] = []
    dialogue: list[Message] = []
    for index, message in enumerate(messages):
        role, text = _one_message(index, message)
        if role == "system":
            system.append(text)
        else:
            dialogue.append({"role": role, "content": text})
    if not dialogue or dialogue[-1]["role"] != "user":
        raise WireError(400, "the last message must have role `user`: it is what the model answers", param="messages")
    if not dialogue[-1]["content"].strip():
        raise WireError(400, "the last user message is empty: send some text", param="messages")
    head: list[Message] = [{"role": "system", "content": "\n\n".join(system)}] if system else []
    return head + dialogue


def _one_message(index: int, message: Any) -> tuple[str, str]:
    where = f"messages[{index}]"
    if not isinstance(message, dict):
        raise WireError(400, f"`{where}` must be an object with `role` and `content`", param=where)
    extra = sorted(set(message) - {"role", "content", "name"})
    if extra:
        raise bad_param(f"{where}.{extra[0]}", f"`{where}.{extra[0]}` is not supported by Switchboard (no tool calls)")
    role = ROLES.get(message.get("role"))
    if role is None:
        known = ", ".join(ROLES)
        raise bad_param(f"{where}.role", f"`{where}.role` is {message.get('role')!r}; Switchboard takes {known}")
    return role, _text_of(where, message.get("content"))


def _text_of(where: str, content: Any) -> str:
    """A message's text: a string, or a list of text parts (images and audio are refused by name)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind != "text" or not isinstance(part.get("text"), str):
                raise bad_param(f"{where}.content", f"`{where}.content` has a {kind or 'malformed'} part; only text")
            texts.append(part["text"])
        return "".join(texts)
    raise WireError(400, f"`{where}.content` must be a string or a list of text parts", param=f"{where}.content")


def completion_id(result: Result) -> str:
    """The completion's id: Switchboard's request id, so a client can rate it from the id alone."""
    return f"chatcmpl-{result.request_id}"


def finish_reason(result: Result) -> str:
    """The provider's finish reason in OpenAI's words (stop, length, content_filter)."""
    return FINISH_REASONS.get(result.finish_reason.lower(), "stop")


def usage(result: Result) -> dict | None:
    """Token usage as OpenAI reports it, with cached and reasoning tokens where known; None when nothing was asked."""
    if result.prompt_tokens is None or result.completion_tokens is None:
        return None
    counts: dict[str, Any] = {
        "prompt_tokens": result.prompt_tokens,
        "completion_tokens": result.completion_tokens,
        "total_tokens": result.prompt_tokens + result.completion_tokens,
    }
    # Only what the provider reported: a detail it did not give is left out, not shown as 0.
    if result.cached_prompt_tokens is not None:
        counts["prompt_tokens_details"] = {"cached_tokens": result.cached_prompt_tokens}
    if result.reasoning_tokens is not None:
        counts["completion_tokens_details"] = {"reasoning_tokens": result.reasoning_tokens}
    return counts


def completion(result: Result) -> dict:
    """A finished answer as a `chat.completion` object."""
    return {
        "id": completion_id(result),
        "object": "chat.completion",
        "created": int(result.timestamp.timestamp()),
        "model": result.model,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": result.text, "refusal": None},
                "logprobs": None,
                "finish_reason": finish_reason(result),
            }
        ],
        "usage": usage(result),
    }


def chunk(result: Result, delta: dict, finish: str | None = None, *, choices: bool = True) -> dict:
    """One `chat.completion.chunk`; `choices=False` gives the usage chunk (no choices, usage set)."""
    body: dict[str, Any] = {
        "id": completion_id(result),
        "object": "chat.completion.chunk",
        "created": int(result.timestamp.timestamp()),
        "model": result.model,
        "system_fingerprint": None,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}] if choices else [],
    }
    if not choices:
        body["usage"] = usage(result)
    return body


def sse_data(data: dict | str) -> bytes:
    """One `data:` event; a lone surrogate (a model may send one) goes out as its JSON escape."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"data: {text}\n\n".encode("utf-8", "backslashreplace")


def model_entry(model_id: str, owner: str, created: int) -> dict:
    """One model as `GET /v1/models` lists it."""
    return {"id": model_id, "object": "model", "created": created, "owned_by": owner}
