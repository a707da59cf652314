"""One vote per comparison: a double click, or a second click before the buttons lock, is not a second battle;
and a reply's data: link is no link in the Markdown export either."""

from __future__ import annotations

import pytest

from llm_core.session.export import to_markdown
from tests.conversation_support import ask_all, conversation_catalog, conversation_of


@pytest.fixture
def catalog(isolated, monkeypatch):
    return conversation_catalog(isolated, monkeypatch)


def test_a_second_click_on_the_vote_is_not_logged_as_a_second_battle(catalog, store):
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(c, catalog, "hello", store=store)

    first = c.cast_vote("A", store)
    again = c.cast_vote("B", store)  # the second click of a double click, or a change of mind: the first stands

    assert again == first
    assert len(store.read_votes().frame) == 1


def test_the_markdown_export_offers_no_data_link_from_a_reply(catalog, store):
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(
        c, catalog, "see [the picture](data:text/html;base64,PHNjcmlwdD4=) and [docs](https://example.org)", store=store
    )

    markdown = to_markdown(c)

    assert "data:text/html" not in markdown
    assert "[docs](https://example.org)" in markdown
