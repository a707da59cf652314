"""The Compare page, driven like a user through AppTest: send, stream, switch, rate, vote, blind, errors, actions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from llm_core.session.display import answer_metrics
from llm_core.session.export import to_json, to_markdown
from llm_core.store.csv_store import default_store
from llm_core.tokens import count_messages
from tests.catalogs import COMPARE_MODELS, echo_model, use_catalog

APP = Path(__file__).parents[2] / "streamlit_app.py"

MODELS = {**COMPARE_MODELS, "echo-slow": echo_model("Slow echo", "slow", tokens_per_s=6)}


@pytest.fixture(autouse=True)
def fast_models(isolated, monkeypatch):
    use_catalog(isolated, monkeypatch, MODELS)
    monkeypatch.setenv("SWITCHBOARD_MAX_ATTEMPTS", "1")


def send(at: AppTest, prompt: str) -> AppTest:
    at.chat_input(key="prompt").set_value(prompt).run()
    assert not at.exception, at.exception
    return at


def pane(at: AppTest, pane_id: str):
    """The bordered container of one pane."""
    return next(col.children[0] for col in at.columns if col.children[0].proto.id.endswith(f"-pane_{pane_id}"))


def answers(at: AppTest, pane_id: str) -> list[str]:
    """The answers shown in a pane (as Markdown, so without trailing spaces)."""
    return [m.markdown[0].value for m in pane(at, pane_id).chat_message if m.name == "assistant" and m.markdown]


def prompts(at: AppTest, pane_id: str) -> list[str]:
    return [m.markdown[0].value for m in pane(at, pane_id).chat_message if m.name == "user"]


def results(at: AppTest, pane_id: str):
    return [e.result for e in at.session_state.conversation.pane(pane_id).exchanges]


def logged():
    return default_store().read_requests().frame


def choose_model(at: AppTest, pane_id: str, model_id: str) -> AppTest:
    at.selectbox(key=f"model_{pane_id}").set_value(model_id).run()
    assert not at.exception, at.exception
    return at


# --- opening ---


def test_a_new_user_sees_two_echo_panes_and_a_note_on_keys(at):
    assert [at.selectbox(key=f"model_{p}").value for p in ("p1", "p2")] == ["echo", "echo-outline"]
    note = at.info[0].value
    assert "echo" in note and "OPENAI_API_KEY" in note and "Settings" in note
    assert at.chat_input(key="prompt") is not None and at.button(key="add_pane").disabled is False


def test_with_a_key_the_page_opens_on_configured_models_without_the_note(monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk-test")
    app = AppTest.from_file(str(APP), default_timeout=30).run()
    assert [app.selectbox(key=f"model_{p}").value for p in ("p1", "p2")] == ["llama-3.3-70b", "llama-3.1-8b"]
    assert not app.info


def test_models_without_a_key_say_so_with_the_variable_to_set(at):
    picker = at.selectbox(key="model_p1")
    assert "(not configured)" in picker.format_func("gpt-4.1")
    assert "(not configured)" not in picker.format_func("echo-outline")
    choose_model(at, "p1", "gpt-4.1")
    assert any("OPENAI_API_KEY" in c.value for c in pane(at, "p1").caption)


# --- sending and streaming ---


def test_a_prompt_streams_into_every_pane_with_metrics_and_is_logged(at):
    send(at, "Why is the sky blue?")
    for pane_id in ("p1", "p2"):
        assert prompts(at, pane_id) == ["Why is the sky blue?"]
        [result] = results(at, pane_id)
        assert result.status == "ok" and answers(at, pane_id) == [result.text]
        line = answer_metrics(result)
        assert line.startswith("TTFT ") and "(est.)" in line and "tok/s" in line
        assert line in [c.value for c in pane(at, pane_id).caption]
    assert "You said: Why is the sky blue?" in answers(at, "p1")[0]
    assert "Outline of your prompt" in answers(at, "p2")[0]
    rows = logged()
    assert len(rows) == 2 and rows["comparison_id"].nunique() == 1
    assert set(rows["session_id"]) == {at.session_state.session_id}
    assert at.button(key="regenerate").disabled is False


def test_blank_prompts_are_not_sent(at):
    send(at, "   \n  ")
    assert not at.chat_message and not default_store().requests_path.exists()


def test_each_pane_keeps_its_own_history_across_turns(at):
    send(at, "first")
    send(at, "second")
    for pane_id in ("p1", "p2"):
        assert prompts(at, pane_id) == ["first", "second"]
        assert "turn 2" in answers(at, pane_id)[1]


def test_template_and_system_prompt_shape_what_is_sent(at):
    at.selectbox(key="template").set_value("translate-fr").run()
    assert "Translate into French" in at.sidebar.code[0].value  # the preview of the filled prompt
    at.text_area(key="system_prompt").input("Answer in one line.").run()
    send(at, "good morning")
    assert prompts(at, "p1") == ["good morning"]
    assert "You said: Translate into French:" in answers(at, "p1")[0]
    rows = logged()
    assert set(rows["template"]) == {"translate-fr"} and set(rows["system"]) == {"Answer in one line."}


def test_shared_and_per_pane_parameters_reach_the_models(at):
    at.number_input(key="max_tokens").set_value(6).run()
    send(at, "one two three four five six seven eight nine ten")
    assert [r.max_tokens for p in ("p1", "p2") for r in results(at, p)] == [6, 6]
    assert all(r.finish_reason == "length" for p in ("p1", "p2") for r in results(at, p))
    at.toggle(key="per_pane_params").set_value(True).run()
    at.number_input(key="max_tokens_p2").set_value(3).run()
    at.number_input(key="temperature_p2").set_value(0.5).run()
    send(at, "again")
    first, second = results(at, "p1")[-1], results(at, "p2")[-1]
    assert (first.max_tokens, first.temperature) == (6, None)
    assert (second.max_tokens, second.temperature) == (3, 0.5)


def test_the_sidebar_estimates_each_panes_next_prompt_cost(at):
    choose_model(at, "p2", "echo-priced")
    send(at, "price this conversation please")
    lines = [c.value for c in at.sidebar.caption if "your prompt" in c.value]
    history = at.session_state.conversation.pane("p2").messages() + [{"role": "user", "content": ""}]
    tokens, _ = count_messages(history)
    assert lines[0].startswith("**A · Echo · mirror (offline demo)** ≈ ") and "$0 + your prompt" in lines[0]
    assert lines[1] == f"**B · Priced echo** ≈ {tokens} of 8,000 tokens · ${tokens * 2 / 1e6:.6f} + your prompt"


# --- panes and models ---


def test_panes_can_be_added_up_to_four_and_removed_down_to_two(at):
    at.button(key="add_pane").click().run()
    at.button(key="add_pane").click().run()
    assert len(at.columns) == 4 and at.button(key="add_pane").disabled
    send(at, "four at once")
    assert all(len(answers(at, p)) == 1 for p in ("p1", "p2", "p3", "p4"))
    assert {r for r in logged()["comparison_id"]} == {at.session_state.conversation.last_comparison_id}
    at.button(key="remove_p3").click().run()
    at.button(key="remove_p4").click().run()
    assert len(at.columns) == 2 and not [b for b in at.button if b.key and b.key.startswith("remove_")]


def test_switching_a_model_keeps_the_history_and_marks_the_switch(at):
    send(at, "hello")
    choose_model(at, "p1", "echo-outline")
    assert any("Switched from" in c.value and "Echo · outline" in c.value for c in pane(at, "p1").caption)
    send(at, "and now?")
    assert len(answers(at, "p1")) == 2 and "Outline of your prompt" in answers(at, "p1")[1]
    assert "turn 2" in answers(at, "p1")[1]
    assert results(at, "p1")[1].model == "echo-outline"


# --- rating, voting, blind mode ---


def test_stars_are_stored_at_once_and_stay_after_a_page_change(at):
    send(at, "rate me")
    at.feedback(key="stars_p2_1").set_value(3).run()
    ratings = default_store().read_ratings().frame
    assert list(ratings["request_id"]) == [results(at, "p2")[0].request_id] and list(ratings["stars"]) == [4]
    at.text_input(key="comment_p2_1").input("clear").run()
    assert list(default_store().read_ratings().frame["comment"]) == ["clear"]
    at.switch_page("pages/settings.py").run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    assert at.feedback(key="stars_p2_1").value == 3 and at.feedback(key="stars_p1_1").value is None
    assert at.text_input(key="comment_p2_1").value == "clear"


def test_a_vote_is_stored_and_the_buttons_lock(at):
    send(at, "vote on me")
    assert [b.label for b in at.button if b.key and b.key.startswith("vote_")] == [
        "A is better",
        "B is better",
        "Tie",
        "Both bad",
    ]
    at.button(key="vote_B").click().run()
    votes = default_store().read_votes().frame
    assert list(votes["winner"]) == [results(at, "p2")[0].request_id]
    assert votes["request_ids"][0] == [results(at, "p1")[0].request_id, results(at, "p2")[0].request_id]
    assert all(at.button(key=k).disabled for k in ("vote_A", "vote_B", "vote_tie", "vote_both_bad"))
    assert "B is better" in at.success[0].value


def test_with_three_panes_the_vote_picks_the_best_or_all_bad(at):
    at.button(key="add_pane").click().run()
    send(at, "three answers")
    labels = [b.label for b in at.button if b.key and b.key.startswith("vote_")]
    assert labels == ["A is best", "B is best", "C is best", "Tie", "All bad"]
    at.button(key="vote_both_bad").click().run()
    assert list(default_store().read_votes().frame["winner"]) == ["both_bad"]


def test_blind_mode_hides_the_names_until_the_vote_reveals_them(at):
    at.toggle(key="blind").set_value(True).run()
    assert not [s for s in at.selectbox if s.key and s.key.startswith("model_")]
    headings = [m.value for m in at.markdown if m.value.startswith("**Model ")]
    assert headings == ["**Model A**", "**Model B**"]
    send(at, "who is who?")
    page_text = " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    assert "Echo · mirror" not in page_text and "$" not in page_text
    at.button(key="vote_A").click().run()
    reveal = at.success[0].value
    assert "Echo · mirror (offline demo)" in reveal and "Echo · outline (offline demo)" in reveal
    winner = next(p for p in at.session_state.conversation.shown())  # Model A is the first pane shown
    assert list(default_store().read_votes().frame["winner"]) == [winner.last.result.request_id]
    assert len([s for s in at.selectbox if s.key and s.key.startswith("model_")]) == 2


# --- errors ---


def test_a_pane_without_a_key_fails_clearly_and_the_other_answers(at):
    choose_model(at, "p1", "gpt-4.1")
    send(at, "hello")
    error = pane(at, "p1").error[0].value
    assert error.startswith("**Not configured.**") and "OPENAI_API_KEY" in error
    assert pane(at, "p1").button(key="retry_p1") is not None
    assert results(at, "p2")[0].status == "ok" and not pane(at, "p2").error
    assert list(logged()["status"]) == ["ok"]  # the pane without a key was never sent, so it files no row


def test_a_connection_failure_shows_a_human_error_and_retry_can_succeed(at, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    choose_model(at, "p2", "gpt-4.1")
    send(at, "are you there?")
    assert pane(at, "p2").error[0].value.startswith("**Connection problem.**")
    assert results(at, "p1")[0].status == "ok"
    choose_model(at, "p2", "echo")
    at.button(key="retry_p2").click().run()
    assert not at.exception and not pane(at, "p2").error
    [retried] = results(at, "p2")
    assert retried.status == "ok" and "You said: are you there?" in answers(at, "p2")[0]
    assert any("Switched from" in c.value for c in pane(at, "p2").caption)
    assert retried.comparison_id == results(at, "p1")[0].comparison_id
    assert sorted(logged()["status"]) == ["error", "ok", "ok"]


def test_a_prompt_longer_than_a_models_window_is_refused_for_that_pane(at):
    choose_model(at, "p1", "echo-tiny")
    send(at, "word " * 60)
    error = pane(at, "p1").error[0].value
    assert error.startswith("**Too long for this model.**") and "accepts 40" in error
    assert results(at, "p2")[0].status == "ok"
    assert list(logged()["model"]) == ["echo-outline"]
    assert not [b for b in at.button if b.key and b.key.startswith("vote_")]  # one answer: nothing to vote on


def test_stopping_a_run_files_partial_answers_as_cancelled(at):
    choose_model(at, "p1", "echo-slow")
    at.chat_input(key="prompt").set_value("take your time with this one please")
    with pytest.raises(RuntimeError, match="timed out"):
        at.run(timeout=2.5)  # AppTest stops the script mid-stream, as Stop does in a browser
    at.chat_input(key="prompt").set_value(None)
    at.run()
    assert not at.exception
    [slow] = results(at, "p1")
    assert slow.status == "cancelled" and slow.text
    assert any("Stopped" in c.value for c in pane(at, "p1").caption)
    assert answers(at, "p1") == [slow.text.strip()] and at.button(key="retry_p1") is not None
    row = logged().set_index("request_id").loc[slow.request_id]
    assert row["status"] == "cancelled" and row["response"] == slow.text


# --- actions ---


def test_clear_empties_every_pane(at):
    send(at, "forget me")
    at.button(key="clear").click().run()
    assert not at.chat_message and at.button(key="clear").disabled
    assert len(logged()) == 2  # clearing the screen does not touch the log


def test_regenerate_replaces_the_last_answers(at):
    send(at, "again please")
    before = {p: results(at, p)[0].request_id for p in ("p1", "p2")}
    at.button(key="regenerate").click().run()
    assert not at.exception
    for pane_id in ("p1", "p2"):
        [result] = results(at, pane_id)
        assert result.request_id != before[pane_id] and prompts(at, pane_id) == ["again please"]
    assert len(logged()) == 4 and logged()["comparison_id"].nunique() == 2


def test_the_diff_highlights_word_differences_between_two_answers(at):
    send(at, "compare these")
    at.toggle(key="diff").set_value(True).run()
    html = next(h.proto.body for h in at.get("html") if h.proto.body.startswith('<div style="white-space:pre-wrap'))
    assert "line-through" in html and "background:#dcf5e3" in html
    assert "Outline" in html and "Backwards" in html


def test_export_buttons_offer_the_whole_conversation(at):
    assert at.get("download_button")[0].proto.disabled
    send(at, "export me")
    at.feedback(key="stars_p1_1").set_value(4).run()
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    assert set(buttons) == {"Markdown", "JSON", "HTML"} and not any(b.disabled for b in buttons.values())
    conversation = at.session_state.conversation
    data = json.loads(to_json(conversation))
    assert [item["answer"] for p in data["panes"] for item in p["items"]] == answers(at, "p1") + answers(at, "p2")
    assert "★★★★★" in to_markdown(conversation)
