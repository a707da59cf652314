"""Issue 13 for max tokens: an answer the limit cut off says so in its pane, in both exports and in Analytics."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from llm_core import ask
from llm_core.options import Options
from llm_core.session.export import to_json, to_markdown
from llm_core.store.csv_store import LogStore
from tests.catalogs import use_catalog
from tests.conversation_support import ask_all, conversation_catalog, conversation_of
from tests.loopback import Behaviour
from tests.pages.test_page_analytics import answer, open_page, show_tab
from tests.pages.test_page_compare import APP, MODELS, pane, send

CUT_OFF = "cut off at max tokens"
LONG_REPLY = "one two three four five six seven eight"

PROVIDERS = {  # model in the shipped catalog, its server fixture, and the variables that point it there
    "openai": ("gpt-4.1-mini", "openai_server", "OPENAI_API_KEY", "OPENAI_BASE_URL", "base_url"),
    "gemini": ("gemini-2.5-flash", "gemini_server", "GEMINI_API_KEY", "GEMINI_BASE_URL", "url"),
    "anthropic": ("claude-haiku-4.5", "anthropic_server", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "url"),
}


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_an_answer_stopped_by_max_tokens_is_marked_cut_off_for_every_provider(provider, request, monkeypatch):
    model, fixture, key_var, url_var, url = PROVIDERS[provider]
    server = request.getfixturevalue(fixture)
    monkeypatch.setenv(key_var, "loopback-test-key-0123456789")
    monkeypatch.setenv(url_var, getattr(server, url))
    server.script(Behaviour(reply=LONG_REPLY), Behaviour(reply=LONG_REPLY))
    cut = ask(model, "count", Options(max_tokens=3), store=False)
    whole = ask(model, "count", Options(max_tokens=100), store=False)
    assert (cut.status, whole.status) == ("ok", "ok")
    assert cut.cut_by_max_tokens and not whole.cut_by_max_tokens


@pytest.fixture
def at(isolated, monkeypatch) -> AppTest:
    use_catalog(isolated, monkeypatch, MODELS)
    app = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not app.exception
    return app


def test_a_pane_cut_off_by_max_tokens_shows_a_badge_and_a_whole_one_does_not(at):
    at.session_state["per_pane_params"] = True
    at.run()
    at.number_input(key="max_tokens_p1").set_value(3).run()
    send(at, "a question long enough to need more than three tokens of echo")
    assert any("Cut off at max tokens" in badge for badge in badges(at, "p1"))
    assert not any("Cut off" in badge for badge in badges(at, "p2"))


def badges(at: AppTest, pane_id: str) -> list[str]:
    """The badges a pane shows (st.badge arrives as Markdown: ':orange-badge[…]')."""
    return [m.value for m in pane(at, pane_id).markdown if re.fullmatch(r":\w+-badge\[.*\]", m.value)]


def test_exports_mark_the_answer_cut_off_by_max_tokens(isolated, monkeypatch, store):
    catalog = conversation_catalog(isolated, monkeypatch)
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(c, catalog, "a question long enough to need more than three tokens", store=store,
            options={"p1": Options(max_tokens=3)})  # fmt: skip
    markdown = to_markdown(c)
    first, second = markdown.split("## B · ")
    assert CUT_OFF in first.lower() and CUT_OFF not in second.lower()
    items = [p["items"][0] for p in json.loads(to_json(c))["panes"]]
    assert [item["cut_off_at_max_tokens"] for item in items] == [True, False]


def logged_with_one_cut_off() -> None:
    store = LogStore(fsync=False)
    for result in (
        answer("gpt-4o-mini", finish_reason="length", text="Paris is the cap"),
        answer("gpt-4o-mini", finish_reason="stop"),
        answer("claude-haiku", finish_reason="end_turn"),
    ):
        assert store.append_response(result) == ""


def test_analytics_counts_answers_cut_off_by_max_tokens_per_model():
    logged_with_one_cut_off()
    summary = open_page().dataframe[0].value.set_index("model")
    assert summary["cut_off"].to_dict() == {"gpt-4o-mini": 1, "claude-haiku": 0}


def test_analytics_requests_table_marks_the_answer_cut_off():
    logged_with_one_cut_off()
    recent = show_tab(open_page(), "Requests").get_by_key("analytics_recent").value
    assert sorted(recent["cut_off"].tolist()) == [False, False, True]
    assert recent.loc[recent["cut_off"], "model"].tolist() == ["gpt-4o-mini"]
