"""Compare's core as users meet it: where a new pane starts, what a pane without a key is sent, safe links."""

from __future__ import annotations

import pytest

from llm_core.config import Config
from llm_core.session.display import prompt_preview, safe_links
from llm_core.session.pane import Exchange, Switch
from llm_core.session.picker import next_pane_model
from tests.conversation_support import ask_all, conversation_catalog, conversation_of


@pytest.fixture
def catalog(isolated, monkeypatch):
    return conversation_catalog(isolated, monkeypatch)


def test_a_new_pane_prefers_a_ready_model_of_a_provider_not_shown_yet(catalog):
    config = Config({"GROQ_API_KEY": "gsk-test", "OPENAI_API_KEY": "sk-test"})
    groq_model = next(m for m in catalog.models.values() if m.provider == "groq")
    model = next_pane_model(catalog, config, {groq_model.id, "echo"})
    assert catalog.get(model).provider == "openai"


def test_without_keys_a_new_pane_starts_on_a_demo_not_shown_yet(catalog):
    model = next_pane_model(catalog, Config(), {"echo", "echo-outline"})
    assert catalog.get(model).is_demo and model not in {"echo", "echo-outline"}


def test_when_every_model_is_shown_a_new_pane_repeats_the_best_default(catalog):
    everything = set(catalog.ids())
    assert next_pane_model(catalog, Config(), everything) == "echo"


def test_a_pane_whose_model_has_no_key_is_refused_with_the_variable_to_set_and_nothing_is_logged(catalog, store):
    c = conversation_of(catalog, "gpt-4.1", "echo")
    ask_all(c, catalog, "hello", config=Config(), store=store)
    refused, answered = c.pane("p1").last, c.pane("p2").last
    assert refused.refused and "OPENAI_API_KEY" in refused.result.error
    assert refused.result.error_kind == "NeedsKeyError"  # shown as "Not configured"
    assert answered.result.status == "ok"
    assert list(store.read_requests().frame["model"]) == ["echo"]


def test_with_its_key_set_the_same_pane_is_sent(catalog, store, openai_server):
    config = Config({"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": openai_server.base_url})
    c = conversation_of(catalog, "gpt-4.1", "echo")
    ask_all(c, catalog, "hello", config=config, store=store)
    assert c.pane("p1").last.result.status == "ok" and openai_server.last.headers["authorization"] == "Bearer sk-test"
    assert sorted(store.read_requests().frame["model"]) == ["echo", "gpt-4.1"]


# --- links in replies ---

UNSAFE = [
    ("[click](data:text/html,<b>hi</b>)", "[click](#<b>hi</b>)"),
    ("[upper](DATA:text/html,hi)", "[upper](#)"),
    ("[entity](&#100;ata:text/html,hi)", "[entity](#)"),
    ("[named](data&colon;text/html,hi)", "[named](#)"),
    ("[tab](da&#9;ta:text/html,hi)", "[tab](#)"),
    ("[escaped](data\\:text/html,hi)", "[escaped](#)"),
    ("[bracketed](<data:text/html,hi>)", "[bracketed](<#>)"),
    ("[spaced](  data:text/html,hi)", "[spaced](  #)"),
    ("![picture](data:image/png;base64,iVBORw0KGgo=)", "![picture](#)"),
    ("see <data:text/html,auto>", "see \\<data:text/html,auto>"),
    ("[ref][r]\n\n[r]: data:text/html,ref", "[ref][r]\n\n[r]: #"),
    ("[script](javascript:alert(1))", "[script](#(1))"),
    ('<img src="data:image/png;base64,AAAA">', '<img src="#">'),
    ("<a href = 'da\tta:text/html,hi'>x</a>", "<a href = '#'>x</a>"),
]


@pytest.mark.parametrize(("markdown", "harmless"), UNSAFE)
def test_a_link_to_data_or_script_keeps_its_text_but_loses_its_url(markdown, harmless):
    assert safe_links(markdown) == harmless


def test_ordinary_text_links_and_code_examples_are_left_as_they_are():
    untouched = [
        "The data: field holds the payload, and [the docs](https://example.com/data:x) explain it.",
        "![chart](chart.png) and <https://example.com> and <b>bold</b>",
        '```html\n<img src="data:image/png;base64,AAAA">\n```',
        "",
    ]
    for markdown in untouched:
        assert safe_links(markdown) == markdown


# --- long prompts ---


def test_a_long_prompt_is_previewed_by_its_first_lines_or_words_and_a_short_one_is_not():
    assert prompt_preview("a few\nshort lines") is None
    assert prompt_preview("\n".join(f"line {i}" for i in range(20))) == "line 0\nline 1\nline 2\nline 3\nline 4 …"
    paragraph = prompt_preview("word " * 400)
    assert paragraph.endswith("word …") and len(paragraph) <= 502


def test_a_preview_cut_inside_a_code_fence_closes_it():
    preview = prompt_preview("```python\n" + "\n".join(f"x = {i}" for i in range(50)) + "\n```")
    assert preview == "```python\nx = 0\nx = 1\nx = 2\nx = 3 …\n```"


# --- turns level across panes ---


def test_turn_rows_give_every_pane_the_same_turns_with_gaps_where_a_pane_was_not_asked(catalog):
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(c, catalog, "first")
    late = c.add_pane("echo-priced", "Priced echo")
    c.pane("p1").switch_to("echo-outline", "Echo · outline")
    ask_all(c, catalog, "second")
    rows = c.turn_rows()
    assert [len(r) for r in rows.values()] == [3, 3, 3]  # two turns and what follows them, in every pane
    assert [[e.prompt for e in row if isinstance(e, Exchange)] for row in rows[late.id]] == [[], ["second"], []]
    switch, second = rows["p1"][1]  # a model switch goes with the turn after it
    assert isinstance(switch, Switch) and second.prompt == "second"
