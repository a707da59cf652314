"""A Compare conversation exported whole: JSON-ready data and a readable Markdown document.

Both hide the model names and prices while blind mode hides them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .display import answer_metrics, error_title, result_json, safe_links
from .pane import Exchange, Pane, Switch
from .votes import Vote, shown_label

if TYPE_CHECKING:
    from .conversation import Conversation

HIDDEN_FIELDS = ("model", "requested_model", "provider", "provider_model", "label", "cost_usd")


def to_dict(c: Conversation, system: str = "") -> dict:
    """The whole conversation as JSON-ready data (names hidden while blind mode hides them)."""
    letters = c.letters()
    panes = [
        {"pane": letters[pane.id], "model": None if c.hidden else pane.model, "items": _pane_items(pane, c.hidden)}
        for pane in c.shown()
    ]
    votes = [_vote_item(c, vote) for vote in c.votes.values()]
    return {
        "exported_at": datetime.now(UTC).isoformat(),
        "system": system,
        "blind": c.blind,
        "panes": panes,
        "votes": votes,
    }


def _vote_item(c: Conversation, vote: Vote) -> dict:
    """One vote as JSON-ready data: its words under today's letters, and the winner by request (and model)."""
    return {
        "comparison_id": vote.comparison_id,
        "vote": shown_label(vote, c.judged(vote), c.hidden),
        "winner": vote.winner,
        "winner_model": None if c.hidden else vote.winning_model or None,
        "request_ids": vote.request_ids,
    }


def _pane_items(pane: Pane, hidden: bool) -> list[dict]:
    """One pane's history as JSON-ready items; model switches would name the models, so hiding drops them."""
    items = []
    for item in pane.items:
        if isinstance(item, Switch):
            if not hidden:
                items.append({"type": "switch", "from": item.from_label, "to": item.to_label})
            continue
        record = result_json(item.result)
        if hidden:
            record.update(dict.fromkeys(HIDDEN_FIELDS))
        items.append(
            {
                "type": "turn",
                "prompt": item.prompt,
                "sent": item.sent,
                "answer": item.result.text,
                "rating": item.rating,
                "comment": item.comment,
                "refused": item.refused,
                "cut_off_at_max_tokens": item.result.cut_by_max_tokens,
                "result": record,
            }
        )
    return items


def to_json(c: Conversation, system: str = "") -> str:
    """The conversation as pretty JSON."""
    return json.dumps(to_dict(c, system), indent=2, ensure_ascii=False)


def to_markdown(c: Conversation, system: str = "") -> str:
    """The conversation as a readable Markdown document, pane by pane."""
    lines = ["# Switchboard comparison", ""]
    if system.strip():
        lines += [f"**System prompt:** {system.strip()}", ""]
    for pane in c.shown():
        lines += [f"## {c.title(pane)}", ""]
        for item in pane.items:
            if isinstance(item, Switch):
                if not c.hidden:
                    lines += [f"*Switched from {item.from_label} to {item.to_label}.*", ""]
                continue
            lines += _exchange_markdown(item, c.hidden)
    for vote in c.votes.values():
        lines += [f"**Vote:** {c.verdict(vote)}", ""]
    return safe_links("\n".join(lines).rstrip() + "\n")  # a reply's data: link must not be one in a viewer either


def _exchange_markdown(item: Exchange, hidden: bool) -> list[str]:
    """One prompt, its answer (or what went wrong), and a line of metrics, stars and comment."""
    answer = item.result.text or f"*{error_title(item.result)}: {item.result.error}*"
    facts = [answer_metrics(item.result, hidden=hidden)]
    if item.result.cut_by_max_tokens:
        facts.append("✂ cut off at max tokens")
    if item.rating:
        facts.append(f"rated {'★' * item.rating}{'☆' * (5 - item.rating)}")
    if item.comment:
        facts.append(f"“{item.comment}”")
    return [f"**You:** {item.prompt}", "", "**Answer:**", "", answer, "", f"_{' · '.join(facts)}_", ""]
