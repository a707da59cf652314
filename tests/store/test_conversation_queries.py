"""The Compare conversation queries on every backend: History lists and reopens the same way on CSV and databases."""

from __future__ import annotations

from llm_core.session.history import past_conversations, reopen
from llm_core.templates import usable_templates
from tests.conversation_support import ask_all, conversation_catalog, conversation_of


def test_history_lists_and_reopens_a_conversation_on_every_backend(any_store, isolated, monkeypatch):
    catalog = conversation_catalog(isolated, monkeypatch)
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(c, catalog, "on every backend", store=any_store, session_id=c.id)
    c.rate("p2", 1, 5, any_store)
    c.cast_vote("A", any_store)

    [summary] = past_conversations(any_store)
    again = reopen(any_store, c.id, catalog, usable_templates().templates).conversation

    assert (summary.conversation_id, summary.first_prompt, summary.turns, summary.voted) == (
        c.id,
        "on every backend",
        1,
        True,
    )
    assert [(p.id, p.model, [e.result.text for e in p.exchanges]) for p in again.panes] == [
        (p.id, p.model, [e.result.text for e in p.exchanges]) for p in c.panes
    ]
    assert again.pane("p2").exchanges[0].rating == 5
    assert again.votes[c.last_comparison_id].winner == c.votes[c.last_comparison_id].winner
