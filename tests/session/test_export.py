"""A Compare conversation exported whole, as Markdown and as JSON."""

from __future__ import annotations

import json
import re

import pytest

from llm_core.session import export
from llm_core.session.conversation import Conversation
from llm_core.session.display import answer_metrics
from tests.conversation_support import ask_all, conversation_catalog, conversation_of


@pytest.fixture(autouse=True)
def catalog(isolated, monkeypatch):
    return conversation_catalog(isolated, monkeypatch)


def test_markdown_and_json_export_hold_the_whole_conversation(catalog, store):
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(c, catalog, "hello", store=store)
    c.rate("p1", 1, 5, store, comment="great")
    c.panes[1].switch_to("echo-priced", "Priced echo")
    c.cast_vote("A", store)
    markdown = export.to_markdown(c, "Be brief.")
    assert "## A · Echo · mirror (offline demo)" in markdown and "**You:** hello" in markdown
    assert c.panes[0].last.result.text in markdown and "★★★★★" in markdown and "“great”" in markdown
    assert metrics_of(c, 1) in markdown
    assert "Switched from Echo · outline (offline demo) to Priced echo" in markdown
    assert "**Vote:** A is better" in markdown and "**System prompt:** Be brief." in markdown
    data = json.loads(export.to_json(c, "Be brief."))
    first = data["panes"][0]["items"][0]
    assert first["answer"] == c.panes[0].last.result.text and first["rating"] == 5
    assert first["result"]["request_id"] == c.panes[0].last.result.request_id
    assert data["panes"][1]["items"][1] == {
        "type": "switch",
        "from": "Echo · outline (offline demo)",
        "to": "Priced echo",
    }
    assert data["votes"][0]["winner"] == c.panes[0].last.result.request_id


def metrics_of(c: Conversation, pane_number: int) -> str:
    return answer_metrics(c.panes[pane_number - 1].last.result)


def test_the_html_export_is_one_safe_page_with_every_pane_side_by_side(isolated, monkeypatch, store):
    from llm_core.session.export import to_html
    from tests.conversation_support import ask_all, conversation_catalog, conversation_of

    catalog = conversation_catalog(isolated, monkeypatch)
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(c, catalog, '<script>alert("x")</script> & <img src=x onerror=alert(1)>', store=store)
    c.rate("p1", 1, 5, store, comment="<b>great</b>")
    c.cast_vote("A", store)

    page = to_html(c, system="<i>system</i>")

    tags = set(re.findall(r"<([a-zA-Z0-9]+)", page))
    assert tags <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "h2",
        "p",
        "div",
        "section",
        "span",
        "strong",
    }
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "default-src 'none'" in page  # a browser runs no script and loads nothing, whatever slipped through
    assert page.count('<section class="pane">') == 2
    assert c.title(c.panes[0]) in page and "★★★★★" in page and "Vote:" in page


def test_the_html_export_hides_the_models_in_blind_mode(isolated, monkeypatch, store):
    from llm_core.session.export import to_html
    from tests.conversation_support import ask_all, conversation_catalog, conversation_of

    catalog = conversation_catalog(isolated, monkeypatch)
    c = conversation_of(catalog, "echo", "echo-outline")
    c.set_blind(True, seed=1)
    ask_all(c, catalog, "hi", store=store)

    page = to_html(c)

    assert "Model A" in page and catalog.get("echo-outline").label not in page
