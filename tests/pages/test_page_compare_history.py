"""Compare for everyday work, driven like a user through AppTest: a reload keeps the conversation, History reopens a
past one, a share link sets up a comparison without sending it, Clear can be undone, copy and details under every
answer, and continue with a vote's winner."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from llm_core.store.csv_store import default_store
from llm_core.store.database import forget_engines
from pages._compare import links
from tests.catalogs import COMPARE_MODELS, use_catalog
from tests.pages.test_page_compare import answers, pane, prompts, results, send

APP = Path(__file__).parents[2] / "streamlit_app.py"


@pytest.fixture(autouse=True)
def fast_models(isolated, monkeypatch):
    use_catalog(isolated, monkeypatch, COMPARE_MODELS)
    monkeypatch.setenv("SWITCHBOARD_MAX_ATTEMPTS", "1")


def opened(**query: str) -> AppTest:
    """The app as a new browser tab opens it at an address with this query."""
    app = AppTest.from_file(str(APP), default_timeout=30)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, app.exception
    return app


def address(at: AppTest) -> dict[str, str]:
    return {name: at.query_params[name] for name in at.query_params}


@pytest.fixture
def browser(monkeypatch) -> set[str]:
    """One browser's cookie of the conversations it had open for editing (AppTest runs no script, sends no cookie:
    `reload` puts in it what the page's script would have)."""
    cookie: set[str] = set()
    monkeypatch.setattr(links, "this_browsers_conversations", lambda: set(cookie))
    return cookie


def marked(at: AppTest) -> set[str]:
    """The conversations the page's script notes in the browser's cookie."""
    bodies = [h.proto.body for h in at.get("html") if links.OWN_COOKIE in h.proto.body]
    return {json.loads(found) for body in bodies for found in re.findall(r'id = ("[0-9a-z]+")', body)}


def reload(at: AppTest, browser: set[str]) -> AppTest:
    """The same browser reloading the page at its address."""
    browser |= marked(at)
    return opened(**address(at))


def copy_script(at: AppTest) -> str:
    """The page's one script holding the finished answers' raw Markdown for their Copy buttons."""
    [script] = [h.proto.body for h in at.get("html") if "sbAnswers" in h.proto.body]
    return script


def logged():
    return default_store().read_requests().frame


def test_a_reload_rebuilds_the_conversation_from_the_log(at, browser):
    send(at, "first question")
    at.feedback(key="stars_p1_1").set_value(3).run()
    at.selectbox(key="template").set_value("summarize").run()
    at.number_input(key="temperature").set_value(0.4).run()
    send(at, "second question")
    url = address(at)
    assert set(url) == {"c"} and url["c"] == at.session_state.conversation.id

    reloaded = reload(at, browser)

    for pane_id in ("p1", "p2"):
        assert prompts(reloaded, pane_id) == prompts(at, pane_id) == ["first question", "second question"]
        assert answers(reloaded, pane_id) == answers(at, pane_id)
    assert reloaded.feedback(key="stars_p1_1").value == 3  # four stars, counted from zero
    assert reloaded.selectbox(key="template").value == "summarize"
    assert reloaded.number_input(key="temperature").value == 0.4
    assert not reloaded.session_state.conversation.read_only  # your own conversation goes on
    send(reloaded, "third question")
    assert prompts(reloaded, "p1")[-1] == "third question"
    assert set(logged()["session_id"]) == {url["c"]}


def test_history_lists_past_conversations_and_reopens_one_read_only(at):
    send(at, "about cats")
    at.button(key="vote_A").click().run()
    old = at.session_state.conversation.id

    other = opened()
    assert other.session_state.conversation.id != old
    entry = other.button(key=f"history_{old}")
    assert entry.label == "about cats"
    assert any("voted" in c.value and "echo" in c.value for c in other.sidebar.caption)
    other.text_input(key="history_search").set_value("dogs").run()
    assert not [b for b in other.button if b.key == f"history_{old}"]  # the search leaves it out
    other.text_input(key="history_search").set_value("CATS").run()
    other.button(key=f"history_{old}").click().run()

    assert prompts(other, "p1") == ["about cats"]
    assert other.chat_input(key="prompt").proto.disabled
    assert other.button(key="vote_A").disabled  # the vote it had is shown, locked
    assert address(other) == {"c": old}
    other.button(key="continue_past").click().run()
    assert not other.chat_input(key="prompt").proto.disabled
    send(other, "and dogs?")
    assert prompts(other, "p1") == ["about cats", "and dogs?"]


def test_a_shared_link_sets_up_the_comparison_and_sends_nothing_until_asked(at):
    at.selectbox(key="model_p1").set_value("echo-outline").run()
    at.selectbox(key="model_p2").set_value("echo").run()
    at.selectbox(key="template").set_value("explain-simply").run()
    at.text_area(key="system_prompt").set_value("Be kind").run()
    at.number_input(key="max_tokens").set_value(128).run()
    send(at, "Why is the sky blue?")
    at.checkbox(key="share_prompt").check().run()
    link = next(c.value for c in at.sidebar.code if "models=" in c.value)
    assert "KEY" not in link.upper()

    friend = opened(**dict(parse_qsl(urlsplit(link).query)))

    assert [friend.selectbox(key=f"model_{p}").value for p in ("p1", "p2")] == ["echo-outline", "echo"]
    assert friend.selectbox(key="template").value == "explain-simply"
    assert friend.text_area(key="system_prompt").value == "Be kind"
    assert friend.number_input(key="max_tokens").value == 128
    assert friend.text_area(key="shared_prompt_box").value == "Why is the sky blue?"
    assert len(logged()) == 2  # only the sender's turn: opening the link sent nothing
    assert address(friend)["draft"] == "1"  # until sent, the setup stays in the address: a reload keeps it
    friend.button(key="send_shared").click().run()
    assert prompts(friend, "p1") == ["Why is the sky blue?"] and len(logged()) == 4
    assert set(address(friend)) == {"c"}  # sent: the setup is the conversation's, read back from the log


def test_a_blind_share_link_names_no_model(at):
    at.toggle(key="blind").set_value(True).run()
    link = next(c.value for c in at.sidebar.code if "?" in c.value)
    assert "echo" not in link and "blind=1" in link


def test_clear_starts_a_new_conversation_that_can_be_undone_until_the_next_send(at):
    send(at, "keep me")
    old = at.session_state.conversation.id
    at.button(key="clear").click().run()
    assert not at.chat_message and at.session_state.conversation.id != old
    at.button(key="undo_clear").click().run()
    assert prompts(at, "p1") == ["keep me"] and at.session_state.conversation.id == old

    at.button(key="clear").click().run()
    send(at, "a new start")
    assert not [b for b in at.button if b.key == "undo_clear"]
    assert prompts(at, "p1") == ["a new start"]


def test_every_answer_has_a_copy_of_its_markdown_and_its_details(at):
    at.number_input(key="temperature").set_value(0.2).run()
    send(at, "show me `code`")
    for pane_id in ("p1", "p2"):
        [result] = [e.result for e in at.session_state.conversation.pane(pane_id).exchanges]
        tools = pane(at, pane_id)
        buttons = [h.proto.body for h in tools.get("html") if "sb-copy" in h.proto.body]
        assert [f"sb-copy-{result.request_id}" in b for b in buttons] == [True]  # one Copy button per answer
        assert json.dumps(result.text, ensure_ascii=False).replace("<", "\\u003c") in copy_script(at)
        details = "\n".join(m.value for m in tools.markdown)
        assert "**temperature:** 0.2" in details and result.request_id in details and "**Template:** plain" in details


def test_continue_with_the_winner_closes_the_other_panes_and_goes_on(at):
    send(at, "pick one")
    at.button(key="vote_B").click().run()
    winner = at.session_state.conversation.shown()[1]
    at.button(key="continue_winner").click().run()

    c = at.session_state.conversation
    assert [p.id for p in c.panes] == [winner.id]
    send(at, "go on")
    assert prompts(at, winner.id) == ["pick one", "go on"]
    assert len(default_store().read_votes().frame) == 1 and len(logged()) == 3


def test_with_an_analytics_password_history_shows_only_this_tabs_conversations(monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_ANALYTICS_PASSWORD", "open sesame")
    theirs = send(opened(), "someone else's secret")
    mine = send(opened(), "my own question")

    listed = {b.key for b in mine.button if b.key and b.key.startswith("history_")}

    assert listed == {f"history_{mine.session_state.conversation.id}"}
    assert f"history_{theirs.session_state.conversation.id}" not in listed
    assert any("Analytics password" in c.value for c in mine.sidebar.caption)


def test_a_reload_in_a_blind_round_keeps_the_names_hidden_until_the_vote(at, browser):
    at.toggle(key="blind").set_value(True).run()
    send(at, "who are you?")
    url = address(at)
    assert url["blind"] == "1" and "echo" not in str(url)

    reloaded = reload(at, browser)

    c = reloaded.session_state.conversation
    assert c.hidden and all(c.title(p).startswith("Model ") for p in c.panes)
    reloaded.button(key="vote_A").click().run()
    assert address(reloaded) == {"c": c.id}  # voted: the names are out, and a reload shows them


def test_a_log_that_cannot_be_read_opens_a_fresh_conversation_and_says_why(isolated):
    (isolated / "logs" / "requests.csv").mkdir(parents=True)  # a folder where the log should be

    app = opened(c="abc123")

    assert not app.exception
    assert any("could not be reopened" in t.value and "requests.csv" in t.value for t in app.toast)
    assert app.session_state.conversation.id == "abc123" and app.chat_input(key="prompt") is not None


@pytest.mark.parametrize("database", [False, True], ids=["csv", "sqlite"])
def test_a_regenerated_turn_comes_back_after_a_reload_as_it_was_shown(database, isolated, monkeypatch, browser):
    if database:
        monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", f"sqlite:///{isolated / 'switchboard.db'}")
    at = send(opened(), "first question")
    send(at, "second question")
    at.button(key="regenerate").click().run()
    shown = {pane_id: [r.request_id for r in results(at, pane_id)] for pane_id in ("p1", "p2")}

    reloaded = reload(at, browser)

    for pane_id in ("p1", "p2"):
        assert prompts(reloaded, pane_id) == ["first question", "second question"]
        assert [r.request_id for r in results(reloaded, pane_id)] == shown[pane_id]
    assert len(logged()) == 6  # the replaced answers stay in the log
    forget_engines()


def test_unsent_changes_to_the_sidebar_and_panes_survive_a_reload(at, browser):
    send(at, "first question")
    at.selectbox(key="template").set_value("summarize").run()
    at.text_area(key="system_prompt").set_value("Answer in French").run()
    at.number_input(key="temperature").set_value(0.7).run()
    at.toggle(key="per_pane_params").set_value(True).run()
    at.number_input(key="max_tokens_p2").set_value(99).run()
    at.selectbox(key="model_p1").set_value("echo-priced").run()
    at.button(key="add_pane").click().run()
    url = address(at)
    assert url["c"] == at.session_state.conversation.id and "KEY" not in str(url).upper()

    reloaded = reload(at, browser)

    assert reloaded.selectbox(key="template").value == "summarize"
    assert reloaded.text_area(key="system_prompt").value == "Answer in French"
    assert reloaded.number_input(key="temperature").value == 0.7
    assert reloaded.toggle(key="per_pane_params").value and reloaded.number_input(key="max_tokens_p2").value == 99
    models = [p.model for p in at.session_state.conversation.panes]
    assert [p.model for p in reloaded.session_state.conversation.panes] == models
    assert reloaded.selectbox(key="model_p1").value == "echo-priced"
    assert prompts(reloaded, "p1") == ["first question"]  # the history is the log's, the switch still to come
    send(reloaded, "second question")
    assert set(address(reloaded)) == {"c"}  # sent: nothing is unsent any more
    assert [r.temperature for r in results(reloaded, "p1")] == [None, 0.7]


def test_unsent_changes_in_a_blind_round_are_kept_without_a_model_name(at, browser):
    at.toggle(key="blind").set_value(True).run()
    send(at, "who are you?")
    at.selectbox(key="template").set_value("summarize").run()
    assert "echo" not in str(address(at)) and address(at)["template"] == "summarize"

    reloaded = reload(at, browser)

    assert reloaded.selectbox(key="template").value == "summarize" and reloaded.session_state.conversation.hidden


def test_a_conversation_continued_with_the_winner_reloads_with_the_winner_alone(at, browser):
    send(at, "pick one")
    at.button(key="vote_B").click().run()
    winner = at.session_state.conversation.shown()[1]
    at.button(key="continue_winner").click().run()

    assert [p.id for p in reload(at, browser).session_state.conversation.panes] == [winner.id]
    send(at, "go on")
    assert [p.id for p in reload(at, browser).session_state.conversation.panes] == [winner.id]


def test_someone_elses_conversation_url_opens_read_only_until_they_continue(at):
    send(at, "my question")

    colleague = opened(**address(at))  # another browser: no cookie names this conversation

    assert prompts(colleague, "p1") == ["my question"]
    assert colleague.chat_input(key="prompt").proto.disabled
    assert not [b for b in colleague.button if b.key == "vote_A"]  # nothing is added to it: no vote, no stars
    assert colleague.feedback(key="stars_p1_1").proto.disabled
    assert not marked(colleague)  # nor is it noted as theirs until they continue
    colleague.button(key="continue_past").click().run()
    assert not colleague.chat_input(key="prompt").proto.disabled
    assert marked(colleague) == {at.session_state.conversation.id}
    colleague.button(key="vote_A").click().run()
    assert len(default_store().read_votes().frame) == 1


def test_a_reload_in_a_blind_round_shows_every_pane_under_the_same_letter(at, browser):
    at.button(key="add_pane").click().run()
    at.button(key="add_pane").click().run()
    at.toggle(key="blind").set_value(True).run()
    send(at, "hi")
    letters = at.session_state.conversation.letters()

    for _ in range(3):  # four panes: a reshuffle would keep every letter once in 24
        reloaded = reload(at, browser)
        assert reloaded.session_state.conversation.letters() == letters
        assert reloaded.session_state.conversation.hidden
