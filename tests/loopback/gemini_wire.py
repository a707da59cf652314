"""The Gemini API: `models/{model}:streamGenerateContent?alt=sse` and the `models` listing."""

from __future__ import annotations

import re

from .wire import MALFORMED_DATA, Received, Wire, presented_key, sse

_STREAM_PATH = re.compile(r"^/v1(beta)?/models/[^/:]+:streamGenerateContent$")
_MODELS_PATH = re.compile(r"^/v1(beta)?/models$")
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    503: "UNAVAILABLE",
}
_MESSAGES = {
    401: "API key not valid: {key}. Please pass a valid API key.",
    404: "models/{model} is not found for API version v1beta, or is not supported for generateContent.",
    429: "You exceeded your current quota, please check your plan and billing details.",
}


def invalid_key_body(key: str) -> dict:
    """What Gemini really answers to a bad key: 400 INVALID_ARGUMENT with reason API_KEY_INVALID."""
    reason = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "API_KEY_INVALID",
        "domain": "googleapis.com",
    }
    message = f"API key not valid: {key}. Please pass a valid API key."
    return {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT", "details": [reason]}}


class GeminiWire(Wire):
    """`data: {GenerateContentResponse}` events; the last carries finishReason and the full usageMetadata.

    Rate limits say when to retry in a RetryInfo detail (retryDelay), as Gemini does, not in a header.
    """

    name = "gemini"
    default_models = ("gemini-2.5-flash", "gemini-2.5-pro")

    def route(self, method: str, path: str) -> str | None:
        if method == "POST" and _STREAM_PATH.match(path):
            return "stream"
        if method == "GET" and _MODELS_PATH.match(path):
            return "models"
        return None

    def prompt_text(self, body: dict) -> str:
        contents = body.get("contents", []) + [body.get("systemInstruction") or {}]
        return " ".join(part.get("text", "") for content in contents for part in content.get("parts", []))

    def max_tokens(self, body: dict) -> int | None:
        return body.get("generationConfig", {}).get("maxOutputTokens")

    def _response(self, received: Received, parts: list[dict], usage: dict, finish: str | None = None) -> bytes:
        candidate = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if finish:
            candidate["finishReason"] = finish
        body = {"candidates": [candidate], "modelVersion": received.model, "responseId": "loopback"}
        if received.behaviour.usage:
            body["usageMetadata"] = usage
        return sse(body, newline="\r\n")

    def opening(self, received: Received, prompt_tokens: int) -> list[bytes]:
        """Thought summaries first (`thought: true` parts, as includeThoughts asks), with the thinking's count."""
        behaviour = received.behaviour
        thoughts = [{"text": piece, "thought": True} for piece in _pieces(behaviour.thinking_text)]
        return [self._response(received, [part], _usage(behaviour, prompt_tokens, 0)) for part in thoughts]

    def token(self, received: Received, text: str, prompt_tokens: int, sent: int) -> bytes:
        # every chunk carries the counts so far: the prompt, the answer's tokens up to here, the thinking done
        return self._response(received, [{"text": text}], _usage(received.behaviour, prompt_tokens, sent))

    def closing(self, received: Received, prompt_tokens: int, sent: int, truncated: bool) -> list[bytes]:
        behaviour = received.behaviour
        usage = _usage(behaviour, prompt_tokens, sent)
        events = []
        if behaviour.function_call:
            name, args = behaviour.function_call
            events.append(self._response(received, [{"functionCall": {"name": name, "args": args}}], usage))
        return [*events, self._response(received, [{"text": ""}], usage, "MAX_TOKENS" if truncated else "STOP")]

    def finishing(self, received: Received, prompt_tokens: int, sent: int, truncated: bool) -> list[bytes]:
        return self.closing(received, prompt_tokens, sent, truncated)  # the finish chunk is the last one

    def stream_error(self, received: Received) -> bytes:
        error = {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}
        return sse({"error": error}, newline="\r\n")

    def malformed_event(self, received: Received) -> bytes:
        return sse(MALFORMED_DATA, newline="\r\n")

    def error(self, received: Received, status: int) -> tuple[dict, dict[str, str]]:
        behaviour = received.behaviour
        message = _MESSAGES.get(status, "An internal error has occurred.").format(
            key=presented_key(received), model=received.model
        )
        error = {"code": status, "message": message, "status": _STATUS.get(status, "INTERNAL")}
        if status == 429 and behaviour.retry_after is not None:
            delay = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{behaviour.retry_after}s"}
            error["details"] = [delay]
        return {"error": error}, {}

    def models(self, names: list[str]) -> dict:
        chat = [
            {"name": f"models/{n}", "displayName": n, "supportedGenerationMethods": ["generateContent", "countTokens"]}
            for n in names
        ]
        embedding = {"name": "models/text-embedding-004", "supportedGenerationMethods": ["embedContent"]}
        return {"models": [*chat, embedding]}


def _usage(behaviour, prompt_tokens: int, sent: int) -> dict:
    """usageMetadata as Gemini sends it on every chunk: candidatesTokenCount is the answer's tokens so far, and
    thoughtsTokenCount (the thinking, billed as output) and cachedContentTokenCount appear only when there are any."""
    thoughts, cached = behaviour.thinking_tokens, behaviour.cached_tokens
    usage = {"promptTokenCount": prompt_tokens}
    if sent:
        usage["candidatesTokenCount"] = sent
    usage["totalTokenCount"] = prompt_tokens + sent + thoughts
    if cached:
        usage["cachedContentTokenCount"] = cached
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    usage["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": prompt_tokens}]
    return usage


def _pieces(text: str) -> list[str]:
    """Thought text in a few chunks, as Gemini streams its summaries: one per paragraph."""
    return [piece for piece in text.split("\n\n") if piece]
