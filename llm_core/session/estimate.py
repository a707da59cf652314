"""What the next Compare turn will cost a pane before the user's prompt is added, and how that reads."""

from __future__ import annotations

from dataclasses import dataclass

from ..catalog import Model
from ..record import Message
from ..tokens import count_messages
from .display import format_cost


@dataclass(frozen=True)
class PromptEstimate:
    """What the next turn will cost a pane before the user's prompt is added."""

    tokens: int
    cost_usd: float | None
    context_window: int | None


def prompt_estimate(model: Model, messages: list[Message]) -> PromptEstimate:
    """Tokens and cost of sending these messages to this model (before the user's new prompt)."""
    tokens, _ = count_messages(messages)
    return PromptEstimate(tokens, model.cost(tokens, 0), model.context_window)


def estimate_line(estimate: PromptEstimate, hidden: bool = False) -> str:
    """'≈ 120 of 128,000 tokens · $0.000018 + your prompt'; no price or window while blind mode hides the model."""
    if hidden:
        return f"≈ {estimate.tokens:,} tokens + your prompt"
    window = f" of {estimate.context_window:,}" if estimate.context_window else ""
    return f"≈ {estimate.tokens:,}{window} tokens · {format_cost(estimate.cost_usd)} + your prompt"
