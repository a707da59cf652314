"""An offline demo model: a deterministic reply derived from the prompt, paced like a real stream.

It needs no key and no network, and it never pretends to be an LLM: every reply says so.
Settings (catalog `settings` table): ttft_ms, tokens_per_s, style ("mirror" or "outline").
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..options import Options
from ..record import Message
from .base import Chunk, Provider, request_sent

DEMO_NOTICE = "[offline demo: no LLM was called]"
_WORDS = re.compile(r"\S+\s*")


class EchoSettings(BaseModel):
    """The catalog's `settings` table for an echo model, checked when the catalog is read."""

    # finite and positive: a rate of 0 (or nan) would make the demo wait forever for its next word
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    ttft_ms: float = Field(250, ge=0, le=600_000, description="Wait before the first word (ms).")
    tokens_per_s: float = Field(80, gt=0, le=1_000_000, description="Words per second after that.")
    style: Literal["mirror", "outline"] = "mirror"


def _last_user_text(messages: list[Message]) -> str:
    return next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")


def demo_reply(messages: list[Message], style: str = "mirror") -> str:
    """The reply the echo model gives: the same messages always give the same text."""
    prompt = _last_user_text(messages).strip()
    words = prompt.split()
    turn = sum(1 for m in messages if m["role"] == "user")
    digest = hashlib.sha256(f"{style}\n{prompt}".encode()).hexdigest()
    longest = max(words, key=len) if words else ""
    if style == "outline":
        body = (
            f"Outline of your prompt ({len(words)} words, {len(prompt)} characters, turn {turn}):\n"
            f"1. It opens with: {' '.join(words[:6]) or '(nothing)'}\n"
            f"2. Its longest word is {longest!r}.\n"
            f"3. It ends with: {' '.join(words[-6:]) or '(nothing)'}\n\n"
            f"Fingerprint {digest[:8]}."
        )
    else:
        body = (
            f"You said: {prompt or '(nothing)'}\n\n"
            f"Backwards, word by word: {' '.join(reversed(words)) or '(nothing)'}\n\n"
            f"That is {len(words)} word{'' if len(words) == 1 else 's'} on turn {turn}; fingerprint {digest[:8]}."
        )
    return f"{DEMO_NOTICE} {body}"


class EchoProvider(Provider):
    """Streams `demo_reply` at the configured time to first token and token rate."""

    name = "echo"

    def stream(self, model: str, messages: list[Message], options: Options) -> Iterator[Chunk]:
        for step in self._paced(model, messages, options):
            if isinstance(step, Chunk):
                yield step
            else:
                time.sleep(step)

    async def astream(self, model: str, messages: list[Message], options: Options) -> AsyncIterator[Chunk]:
        for step in self._paced(model, messages, options):
            if isinstance(step, Chunk):
                yield step
            else:
                await asyncio.sleep(step)

    def _paced(self, model: str, messages: list[Message], options: Options) -> Iterator[Chunk | float]:
        """The answer's chunks, each preceded by the seconds to wait before it is due (when it is not yet)."""
        # the catalog checked these; the engine adds its own keys (key_var, ...) beside them
        ours = {k: v for k, v in self.endpoint.settings.items() if k in EchoSettings.model_fields}
        settings = EchoSettings.model_validate(ours)
        ttft, rate = settings.ttft_ms / 1000, settings.tokens_per_s
        pieces = _WORDS.findall(demo_reply(messages, settings.style))
        limit = options.max_tokens or len(pieces)
        start = time.monotonic()
        request_sent()  # no network: the "request" is made here
        sent = 0
        while sent < min(limit, len(pieces)):
            due = start + ttft + sent / rate
            delay = due - time.monotonic()
            if delay > 0:
                yield delay
            # Emit every piece that is due by now, so high rates are not limited by sleep granularity.
            ready = int((time.monotonic() - start - ttft) * rate) + 1
            upto = min(max(ready, sent + 1), limit, len(pieces))
            yield Chunk(text="".join(pieces[sent:upto]), response_model=model)
            sent = upto
        yield Chunk(finish_reason="length" if limit < len(pieces) else "stop", response_model=model)

    def list_models(self) -> list[str]:
        return ["echo"]
