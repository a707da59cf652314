"""What an answer was made with, for the details under it: template, system prompt, parameters, model, request."""

from __future__ import annotations

from ..record import Result
from .display import token_counts

PARAMETERS = ("temperature", "max_tokens", "top_p")


def own_parameters(r: Result, others: list[Result]) -> set[str]:
    """The parameters this answer was sent with that differ from the other answers of its turn (per-pane overrides)."""
    return {name for name in PARAMETERS if any(getattr(o, name) != getattr(r, name) for o in others)}


def made_with(r: Result, *, hidden: bool, own: set[str] = frozenset()) -> list[tuple[str, str]]:
    """(label, value) pairs: template, system prompt, each parameter (marked when this pane's own), the provider's
    model name (not while blind mode hides the names), the request id, and whether max tokens cut it off."""
    facts = [("Template", r.template or "none"), ("System prompt", r.system.strip() or "none")]
    for name in PARAMETERS:
        value = getattr(r, name)
        shown = "model default" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
        facts.append((name, shown + (" (this pane's own)" if name in own else "")))
    if not hidden:
        facts.append(("Provider's model", r.provider_model or r.model))
    facts.append(("Request id", r.request_id))
    if r.cut_by_max_tokens:
        facts.append(("Stopped", "cut off at max tokens"))
    if counts := token_counts(r):
        facts.append(("Token counts", counts))
    if r.notes:
        facts.append(("Note", r.notes))
    return facts
