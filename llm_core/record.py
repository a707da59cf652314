"""The one record every call ends in. Pages, the log, the CLI and the API all read this."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Literal, TypedDict

Status = Literal["pending", "streaming", "ok", "incomplete", "error", "cancelled"]
TokenSource = Literal["provider", "tiktoken", "estimate", ""]
# A record's token_source: one count's source when both counts share it, else "mixed" (the prompt count from the
# provider, the answer's estimated: a stream cut before the provider's final count).
RecordTokenSource = Literal["provider", "tiktoken", "estimate", "mixed", ""]
ESTIMATED_SOURCES = frozenset({"tiktoken", "estimate"})
# How each provider says the answer stopped at max_tokens: OpenAI-style (and echo) "length", Gemini's
# MAX_TOKENS (stored lower-cased), Anthropic's "max_tokens".
MAX_TOKENS_FINISHES = frozenset({"length", "max_tokens"})


class Message(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


def new_id() -> str:
    """A short random id for requests, comparisons and sessions."""
    return uuid.uuid4().hex[:16]


@dataclass
class Result:
    """What one model said to one turn, and how it went, measured truthfully."""

    model: str  # catalog id of the model that answered (or was last tried)
    requested_model: str  # what the caller asked for (may be an alias, `auto`, or a fallback origin)
    fallback_for: str = ""  # when a fallback answered: the catalog id of the model it answered for
    provider: str = ""
    provider_model: str = ""  # the provider's own model name, as reported when it was
    label: str = ""
    request_id: str = field(default_factory=new_id)
    comparison_id: str = ""
    session_id: str = ""
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    template: str = ""
    system: str = ""
    prompt: str = ""  # the user's latest turn, after the template was applied
    text: str = ""
    finish_reason: str = ""
    status: Status = "pending"
    error: str = ""
    error_kind: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    token_source: RecordTokenSource = ""  # both counts' source, or "mixed" (see prompt_/completion_token_source)
    ttft_ms: float | None = None
    latency_ms: float | None = None
    tokens_per_s: float | None = None
    cost_usd: float | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    attempts: int = 0
    fallback_errors: list[str] = field(default_factory=list)
    log_warning: str = ""
    run_id: str = ""  # an evaluation run: which run, case and repeat this answer belongs to
    case_id: str = ""
    repeat: int | None = None
    pane_id: str = ""  # the Compare pane that asked (with session_id and comparison_id, History rebuilds the page)
    reasoning_tokens: int | None = None  # of completion_tokens, the ones spent thinking (as the provider reports)
    cached_prompt_tokens: int | None = None  # of prompt_tokens, the ones read from the provider's prompt cache
    cache_write_tokens: int | None = None  # of prompt_tokens, the ones written to it (Anthropic bills them apart)
    provider_cost_usd: float | None = None  # the cost the provider itself reported (OpenRouter's usage.cost)
    generation_tokens_per_s: float | None = None  # every output token, reasoning included, over request-to-end
    replaces: str = ""  # a regenerated answer: the comparison whose answers it replaced (the log keeps both)
    prompt_token_source: TokenSource = ""  # where prompt_tokens came from ("" in rows logged before it was kept)
    completion_token_source: TokenSource = ""  # where completion_tokens came from (likewise)
    notes: str = ""  # what the user should know about how this answer arrived, "; " between notes

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def done(self) -> bool:
        return self.status in ("ok", "incomplete", "error", "cancelled")

    @property
    def cut_by_max_tokens(self) -> bool:
        """True when the model stopped because the answer reached max_tokens, not because it was done."""
        return self.finish_reason.lower() in MAX_TOKENS_FINISHES

    @property
    def estimated_tokens(self) -> bool:
        """True when either token count was not reported by the provider."""
        return self.token_source in ESTIMATED_SOURCES or self.token_source == "mixed"

    @property
    def prompt_source(self) -> str:
        """Where the prompt count came from; a row logged before counts had their own sources reads token_source."""
        return self.prompt_token_source or (self.token_source if self.token_source != "mixed" else "")

    @property
    def completion_source(self) -> str:
        """Where the completion count came from (as `prompt_source`)."""
        return self.completion_token_source or (self.token_source if self.token_source != "mixed" else "")

    def add_note(self, note: str) -> None:
        """Keep a note for the user about this answer, once."""
        if note and note not in self.notes.split("; "):
            self.notes = f"{self.notes}; {note}" if self.notes else note

    def to_dict(self) -> dict:
        """A JSON-ready dict of every field (timestamp as ISO 8601 UTC)."""
        data = asdict(self)
        data["timestamp"] = self.timestamp.isoformat()
        data["response"] = self.text
        return data
