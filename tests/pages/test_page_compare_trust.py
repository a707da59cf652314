"""The Compare page as a user first trusts it: what a pane offers, where a new pane starts, long prompts, alignment."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from llm_core.store.csv_store import default_store
from tests.catalogs import COMPARE_MODELS, use_catalog
from tests.pages.test_page_compare import APP, choose_model, pane, send


@pytest.fixture(autouse=True)
def fast_models(isolated, monkeypatch):
    use_catalog(isolated, monkeypatch, COMPARE_MODELS)
    monkeypatch.setenv("SWITCHBOARD_MAX_ATTEMPTS", "1")


def logged_models() -> list[str]:
    path = default_store().requests_path
    return list(default_store().read_requests().frame["model"]) if path.exists() else []


# --- a new pane ---


def test_a_new_pane_starts_on_a_model_not_shown_yet(at):
    at.button(key="add_pane").click().run()
    shown = [at.selectbox(key=f"model_{p}").value for p in ("p1", "p2", "p3")]
    assert len(set(shown)) == 3


def test_with_keys_a_new_pane_starts_on_a_ready_model_not_shown_yet(monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk-test")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    app = AppTest.from_file(str(APP), default_timeout=30).run()
    app.button(key="add_pane").click().run()
    app.button(key="add_pane").click().run()
    shown = [app.selectbox(key=f"model_{p}").value for p in ("p1", "p2", "p3", "p4")]
    assert len(set(shown)) == 4
    assert not any(model.startswith("echo") for model in shown)  # every pane on a model that can answer


# --- a model without its key ---


def test_a_pane_on_a_model_without_a_key_says_what_to_set_and_sends_nothing(at):
    choose_model(at, "p1", "gpt-4.1")
    send(at, "hello")
    error = pane(at, "p1").error[0].value
    assert error.startswith("**Not configured.**") and "OPENAI_API_KEY" in error
    assert logged_models() == ["echo-outline"]  # no error row for a request that was never sent


# --- a long prompt ---


def user_messages(at: AppTest, pane_id: str) -> list[str]:
    return [m.markdown[0].value for m in pane(at, pane_id).chat_message if m.name == "user"]


def test_a_long_prompt_is_shown_by_its_first_lines_in_every_pane_until_show_all(at):
    document = "\n".join(f"Paragraph {i}: " + "-".join(["words"] * 16) for i in range(2_000))  # 200 KB, few words
    send(at, "Summarize this:\n" + document)
    collapsed = [user_messages(at, p)[0] for p in ("p1", "p2")]
    assert collapsed[0] == collapsed[1] and collapsed[0].startswith("Summarize this:\nParagraph 0:")
    assert len(collapsed[0]) < 1_000 and "Paragraph 1999" not in collapsed[0]
    assert all("2,001 lines" in " ".join(c.value for c in pane(at, p).caption) for p in ("p1", "p2"))

    at.button(key="prompt_p2_1").click().run()  # "Show all" in one pane opens the prompt in every pane
    assert [user_messages(at, p)[0] for p in ("p1", "p2")] == ["Summarize this:\n" + document] * 2
    at.button(key="prompt_p1_1").click().run()  # and "Show less" closes it everywhere again
    assert [user_messages(at, p)[0] for p in ("p1", "p2")] == collapsed


def test_a_short_prompt_is_shown_whole_without_a_control(at):
    send(at, "Three short lines\nof a prompt\nshown whole")
    assert user_messages(at, "p1") == ["Three short lines\nof a prompt\nshown whole"]
    assert not [b for b in at.button if b.key and b.key.startswith("prompt_")]
