"""What a loopback server does with the next request: a scripted reply at a set pace, or a failure."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

_TOKENS = re.compile(r"\s*\S+|\s+$")


@dataclass(frozen=True)
class Behaviour:
    """One scripted answer. The defaults are a quick, complete, successful reply."""

    reply: str = "Hello world"
    ttft_ms: float = 0  # from the request to the first token
    tokens_per_s: float | None = None  # None: every token as fast as the socket takes it
    status: int = 200  # anything else answers with the provider's error JSON instead of a stream
    retry_after: float | str | None = None  # Retry-After header: seconds, or an HTTP date
    retry_after_ms: float | None = None  # retry-after-ms header (OpenAI and Anthropic send it)
    cut_after_tokens: int | None = None  # drop the connection mid-body after this many tokens
    end_after_tokens: int | None = None  # end the body cleanly after this many tokens, with no finish signal
    cut_after_finish: bool = False  # drop the connection right after the finish signal, before any usage that follows
    error_after_tokens: int | None = None  # send the provider's in-stream error event after this many tokens
    malformed_after_tokens: int | None = None  # send an event whose data is not JSON after this many tokens, then
    # finish the answer as usual (a proxy that garbled one event)
    usage: bool = True  # report token usage the way the provider does
    usage_chunk: bool = True  # OpenAI-style: send the usage chunk when stream_options.include_usage asks
    prompt_tokens: int | None = None  # None: the number of words in the request's messages
    thinking_tokens: int = 0  # reasoning tokens: Gemini's thoughtsTokenCount, OpenAI-style reasoning_tokens
    thinking_text: str = ""  # the reasoning the model streams before its answer, never part of it: OpenAI-style
    # `delta.reasoning` (Groq, OpenRouter), an Anthropic thinking block with its signature, Gemini `thought` parts
    function_call: tuple[str, dict] | None = None  # Gemini: a functionCall part (name, args) after the text
    reasoning_outside_completion: bool = False  # xAI: reasoning only in the details and total_tokens
    cached_tokens: int = 0  # of the prompt, read from cache (OpenAI cached_tokens, Anthropic cache_read_input_tokens,
    # Gemini cachedContentTokenCount)
    cache_write_tokens: int = 0  # Anthropic: of the prompt, written to cache (cache_creation_input_tokens)
    reported_cost: float | None = None  # OpenRouter: usage.cost, the USD it bills for the call
    error_body: dict | None = None  # replaces the provider's usual error JSON

    def tokens(self) -> list[str]:
        """The reply split the way models stream it: each word with the space before it."""
        return _TOKENS.findall(self.reply)


class Pacer:
    """When each token is due: the time to first token after the start, then one every 1/rate seconds."""

    def __init__(self, behaviour: Behaviour, start: float | None = None):
        self.start = time.monotonic() if start is None else start
        self.ttft = behaviour.ttft_ms / 1000
        self.interval = 1 / behaviour.tokens_per_s if behaviour.tokens_per_s else 0.0

    def due(self, index: int) -> float:
        """The monotonic time at which token `index` (0-based) should leave."""
        return self.start + self.ttft + index * self.interval
