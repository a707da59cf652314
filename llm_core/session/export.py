"""A Compare conversation exported whole: JSON-ready data and a readable Markdown document.

Both hide the model names and prices while blind mode hides them.
"""

from __future__ import annotations

import html
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


# No script can run in the page: the policy allows inline styles and nothing else, and every text is escaped.
HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
HTML_STYLE = (
    "body{font:15px/1.5 system-ui,sans-serif;margin:1.5rem;color:#1f2328}h1{font-size:1.4rem}"
    ".panes{display:grid;grid-auto-flow:column;grid-auto-columns:minmax(0,1fr);gap:1rem}"
    ".pane{border:1px solid #d0d7de;border-radius:8px;padding:.75rem;min-width:0}h2{font-size:1.1rem;margin:0 0 .5rem}"
    ".you,.answer{white-space:pre-wrap;overflow-wrap:anywhere;margin:.4rem 0}.you{background:#f6f8fa;padding:.5rem;"
    "border-radius:6px}.facts,.switch{color:#57606a;font-size:.85rem}.error{color:#b42318}"
    ".vote{margin-top:1rem;padding:.5rem .75rem;border-left:4px solid #0969da;background:#f6f8fa}"
    "@media (max-width:700px){.panes{grid-auto-flow:row}}"
)


def to_html(c: Conversation, system: str = "") -> str:
    """The conversation as one self-contained HTML page, panes side by side with metrics, ratings and votes; safe to
    open anywhere (no script runs, every text escaped, nothing loaded from elsewhere)."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{HTML_POLICY}">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>Switchboard comparison</title><style>{HTML_STYLE}</style></head><body>",
        "<h1>Switchboard comparison</h1>",
        f'<p class="facts">Exported {e(datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))}</p>',
    ]
    if system.strip():
        parts.append(f'<p><strong>System prompt:</strong> <span class="you">{e(system.strip())}</span></p>')
    parts.append('<div class="panes">')
    for pane in c.shown():
        parts.append(f'<section class="pane"><h2>{e(c.title(pane))}</h2>')
        for item in pane.items:
            if isinstance(item, Switch):
                if not c.hidden:
                    parts.append(f'<p class="switch">Switched from {e(item.from_label)} to {e(item.to_label)}</p>')
                continue
            parts.append(_exchange_html(item, c.hidden))
        parts.append("</section>")
    parts.append("</div>")
    for vote in c.votes.values():
        parts.append(f'<p class="vote"><strong>Vote:</strong> {e(c.verdict(vote))}</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _exchange_html(item: Exchange, hidden: bool) -> str:
    """One prompt and its answer (or what went wrong), with its metrics, stars and comment, all escaped."""
    e, r = html.escape, item.result
    answer = (
        f'<div class="answer">{e(r.text)}</div>'
        if r.text
        else f'<div class="answer error">{e(error_title(r))}: {e(r.error)}</div>'
    )
    facts = [answer_metrics(r, hidden=hidden)]
    if r.cut_by_max_tokens:
        facts.append("✂ cut off at max tokens")
    if item.rating:
        facts.append(f"rated {'★' * item.rating}{'☆' * (5 - item.rating)}")
    if item.comment:
        facts.append(f"“{item.comment}”")
    return f'<div class="you">{e(item.prompt)}</div>{answer}<p class="facts">{e(" · ".join(facts))}</p>'
