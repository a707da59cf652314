"""The HTTP API's request and response bodies. Unknown fields are rejected, so a typo is an error, not a no-op."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, PrivateAttr, model_validator

from ..options import KNOWN_OPTIONS
from ..record import Result

MAX_COMPARE_MODELS = 8

_OPTIONS_HELP = (
    f"Generation options, any of: {', '.join(KNOWN_OPTIONS)} "
    "(temperature 0–2, max_tokens ≥ 1, top_p in (0, 1]); unknown names are rejected."
)


# JSON may escape a lone surrogate (`"\\udfff"`); Python then holds a string no UTF-8 can carry, so a reply
# echoing it, or the log, would fail after the model was already asked.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def replace_lone_surrogates(value: Any) -> tuple[Any, int]:
    """The JSON value with every lone surrogate in its strings (keys too) replaced by U+FFFD, and how many were."""
    if isinstance(value, str):
        return _LONE_SURROGATE.subn("\ufffd", value)
    if isinstance(value, list):
        items = [replace_lone_surrogates(item) for item in value]
        return [item for item, _ in items], sum(count for _, count in items)
    if isinstance(value, dict):
        pairs = [(replace_lone_surrogates(k), replace_lone_surrogates(v)) for k, v in value.items()]
        return {k: v for (k, _), (v, _) in pairs}, sum(kc + vc for (_, kc), (_, vc) in pairs)
    return value, 0


INPUT_NOTICE_HELP = "Set when the request held text that is not valid Unicode: what was replaced with U+FFFD."


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    _replaced: int = PrivateAttr(default=0)

    @model_validator(mode="wrap")
    @classmethod
    def _valid_unicode(cls, data: Any, handler: ModelWrapValidatorHandler[_Body]) -> _Body:
        """Replace lone surrogates before validation: pydantic refuses them in constrained fields."""
        data, replaced = replace_lone_surrogates(data)
        body = handler(data)
        body._replaced = replaced
        return body

    @property
    def input_notice(self) -> str:
        """What was replaced in the request before it was used; '' when nothing was."""
        if not self._replaced:
            return ""
        what, verb = ("1 character", "was") if self._replaced == 1 else (f"{self._replaced} characters", "were")
        return (
            f"{what} in the request {verb} not valid Unicode (a lone surrogate such as \\udfff) and {verb} "
            "replaced with U+FFFD before the request was used"
        )


class GenerateBody(_Body):
    """One prompt for the model named in the query string."""

    prompt: str = Field(description="The text to send; a template, when given, wraps it.")
    template: str | None = Field(None, description="A template name (see GET /config).")
    system: str | None = Field(None, description="A system prompt; overrides the template's.")
    options: dict[str, Any] | None = Field(None, description=_OPTIONS_HELP, examples=[{"temperature": 0.2}])


class ChatMessage(_Body):
    """An earlier turn of the conversation."""

    role: Literal["user", "assistant"]
    content: str


class ChatBody(GenerateBody):
    """One chat turn: the model answers, or the next in its fallback chain when it fails before answering."""

    model: str = Field("auto", description="A catalog id, alias, provider:model, or auto.")
    history: list[ChatMessage] = Field(default_factory=list, description="Earlier turns, oldest first.")
    fallbacks: list[str] | None = Field(
        None, description="Models to try in order when the first fails; default: the catalog's fallbacks."
    )


class CompareBody(GenerateBody):
    """One prompt for several models at once."""

    models: list[str] = Field(min_length=1, max_length=MAX_COMPARE_MODELS, description="Model ids to ask.")


class RateBody(_Body):
    """Stars for an answer the log holds."""

    request_id: str = Field(min_length=1, max_length=64, description="A request_id, or a unique prefix of one.")
    stars: int = Field(
        ge=1,
        le=5,
        validation_alias=AliasChoices("stars", "score"),
        description="1 (poor) to 5 (excellent). `score` is accepted as an old name for a release.",
    )
    comment: str = Field("", max_length=2000)


class VoteBody(_Body):
    """The winner of a comparison the log holds (from POST /compare), for the leaderboard."""

    comparison_id: str = Field(min_length=1, max_length=64)
    winner: str = Field(
        min_length=1,
        max_length=64,
        description="The winning answer's request_id (or a unique prefix of it), `tie`, or `both_bad`.",
    )


class Reply(BaseModel):
    """One model's answer and how it went, measured (token counts may be estimates: see token_source)."""

    request_id: str
    model: str = Field(description="The model that answered (or was last tried).")
    requested_model: str
    fallback_for: str = Field(description="When a fallback answered: the model it answered for; else empty.")
    provider: str
    prompt: str = Field(description="The prompt as sent, after the template.")
    response: str
    status: Literal["ok", "incomplete", "error", "cancelled", "pending", "streaming"]
    error: str
    finish_reason: str
    prompt_tokens: int | None
    completion_tokens: int | None
    token_count: int | None
    token_source: str
    latency_ms: float | None
    ttft_ms: float | None
    tokens_per_s: float | None
    cost_usd: float | None
    attempts: int
    fallback_errors: list[str]
    template: str
    log_warning: str
    input_notice: str = Field("", description=INPUT_NOTICE_HELP)

    @classmethod
    def of(cls, r: Result, input_notice: str = "") -> Reply:
        """The reply for a finished result (`input_notice`: what was replaced in the request, if anything)."""
        known = r.prompt_tokens is not None and r.completion_tokens is not None
        total = r.prompt_tokens + r.completion_tokens if known else None
        return cls(
            request_id=r.request_id,
            model=r.model,
            requested_model=r.requested_model,
            fallback_for=r.fallback_for,
            provider=r.provider,
            prompt=r.prompt,
            response=r.text,
            status=r.status,
            error=r.error,
            finish_reason=r.finish_reason,
            prompt_tokens=r.prompt_tokens,
            completion_tokens=r.completion_tokens,
            token_count=total,
            token_source=r.token_source,
            latency_ms=r.latency_ms,
            ttft_ms=r.ttft_ms,
            tokens_per_s=r.tokens_per_s,
            cost_usd=r.cost_usd,
            attempts=r.attempts,
            fallback_errors=list(r.fallback_errors),
            template=r.template,
            log_warning=r.log_warning,
            input_notice=input_notice,
        )


class CompareReply(BaseModel):
    """Every model's answer to the same prompt; wall time is the slowest model's."""

    comparison_id: str
    wall_ms: float
    results: list[Reply]


class RateReply(BaseModel):
    """The rating as recorded, under the full request_id it rates."""

    request_id: str
    model: str
    stars: int
    score: int = Field(description="The same as `stars`: the old name, kept for a release.")
    comment: str
    recorded: bool = True
    input_notice: str = Field("", description=INPUT_NOTICE_HELP)


class VoteReply(BaseModel):
    """The vote as recorded: who took part, in the order they were logged, and who won."""

    comparison_id: str
    winner: str = Field(description="The winning request_id, `tie` or `both_bad`.")
    winning_model: str = Field(description="The model whose answer won; empty for a tie or both bad.")
    models: list[str]
    request_ids: list[str]
    recorded: bool = True


class ErrorReply(BaseModel):
    """Every error: `detail` says what went wrong and what to do."""

    detail: str
