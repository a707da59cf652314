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

    def _response(self, received: Received, text: str, usage: dict, finish: str | None = None) -> bytes:
        candidate = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
        if finish:
            candidate["finishReason"] = finish
        body = {"candidates": [candidate], "modelVersion": received.model, "responseId": "loopback"}
        if received.behaviour.usage:
            body["usageMetadata"] = usage
        return sse(body, newline="\r\n")

    def token(self, received: Received, text: str, prompt_tokens: int) -> bytes:
        return self._response(received, text, {"promptTokenCount": prompt_tokens, "totalTokenCount": prompt_tokens})

    def closing(self, received: Received, prompt_tokens: int, sent: int, truncated: bool) -> list[bytes]:
        thoughts = received.behaviour.thinking_tokens
        usage = {"promptTokenCount": prompt_tokens, "candidatesTokenCount": sent}
        usage["totalTokenCount"] = prompt_tokens + sent + thoughts
        if thoughts:
            usage["thoughtsTokenCount"] = thoughts
        if received.behaviour.cached_tokens:
            usage["cachedContentTokenCount"] = received.behaviour.cached_tokens
        return [self._response(received, "", usage, "MAX_TOKENS" if truncated else "STOP")]

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
