"""The Compare conversation without Streamlit: opening models, histories, turns, refusals, votes, blind mode."""

from __future__ import annotations

import pytest

from llm_core import Config
from llm_core.session.conversation import Conversation, blind_order
from llm_core.session.display import answer_metrics, error_title
from llm_core.session.estimate import estimate_line, prompt_estimate
from llm_core.session.export import to_json
from llm_core.session.pane import Switch
from llm_core.session.picker import default_models, model_choices
from llm_core.session.votes import ALL_BAD, TIE, vote_choices, winner_for
from llm_core.templates import Template
from llm_core.tokens import count_messages
from tests.conversation_support import ask_all, conversation_catalog, conversation_of, run


@pytest.fixture(autouse=True)
def catalog(isolated, monkeypatch):
    return conversation_catalog(isolated, monkeypatch)


# --- opening models and the picker ---


def test_a_new_user_without_keys_opens_on_the_two_echo_models(catalog):
    assert default_models(catalog, Config()) == ["echo", "echo-outline"]
    c = Conversation.opening(catalog, Config())
    assert [p.model for p in c.panes] == ["echo", "echo-outline"]
    assert [p.id for p in c.panes] == ["p1", "p2"]


def test_configured_providers_open_one_model_each_before_seconds(catalog):
    config = Config(session={"OPENAI_API_KEY": "sk-test", "GROQ_API_KEY": "gsk-test"})
    chosen = default_models(catalog, config, 3)
    providers = [catalog.get(m).provider for m in chosen]
    assert providers[:2] == ["groq", "openai"]  # the best of each provider first, by priority
    assert len(set(chosen)) == 3 and "echo" not in chosen


def test_a_local_ollama_entry_without_a_server_is_not_a_default(catalog):
    assert "ollama-llama3.2" in catalog.models
    assert default_models(catalog, Config(), 4) == ["echo", "echo-outline"]


def test_the_picker_groups_by_provider_and_names_the_missing_key(catalog):
    choices = model_choices(catalog, Config(session={"GROQ_API_KEY": "gsk-test"}))
    groups = [("demo" if c.id.startswith("echo") else catalog.get(c.id).provider) for c in choices]
    first_of = {g: groups.index(g) for g in groups}
    assert first_of["groq"] < first_of["demo"] < first_of["ollama"] < first_of["openai"]
    assert groups == sorted(groups, key=lambda g: first_of[g])  # each provider's models are together
    gpt = next(c for c in choices if c.id == "gpt-4.1")
    assert not gpt.configured and "OPENAI_API_KEY" in gpt.hint and "Settings" in gpt.hint
    assert next(c for c in choices if c.id == "llama-3.3-70b").configured


# --- histories and turns ---


def test_each_pane_sends_its_own_history_with_the_next_turn(catalog):
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(c, catalog, "first question")
    ask_all(c, catalog, "second question", system="Be brief.")
    for pane in c.panes:
        assert [e.result.status for e in pane.exchanges] == ["ok", "ok"]
        assert "turn 2" in pane.last.result.text
    history = c.panes[0].messages("Be brief.")
    assert [m["role"] for m in history] == ["system", "user", "assistant", "user", "assistant"]
    assert history[2]["content"] == c.panes[0].exchanges[0].result.text
    assert c.panes[1].messages()[1]["content"] == c.panes[1].exchanges[0].result.text  # not pane A's answer


def test_a_blank_prompt_is_not_sent(catalog):
    c = conversation_of(catalog, "echo", "echo-outline")
    assert c.start_turn("  \n\t ", catalog=catalog) is None
    assert all(not p.items for p in c.panes) and c.live is None


def test_the_template_wraps_what_is_sent_but_the_pane_shows_what_was_typed(catalog):
    c = conversation_of(catalog, "echo", "echo-outline")
    template = Template("shout", "Say loudly: {prompt}", system="You shout.")
    ask_all(c, catalog, "hello", template=template, system=template.system, store=False)
    exchange = c.panes[0].last
    assert exchange.prompt == "hello" and exchange.sent == "Say loudly: hello"
    assert "You said: Say loudly: hello" in exchange.result.text
    assert exchange.result.template == "shout" and exchange.result.system == "You shout."


def test_a_prompt_too_long_for_one_model_is_refused_there_with_the_numbers(catalog, store):
    c = conversation_of(catalog, "echo-tiny", "echo")
    ask_all(c, catalog, "word " * 80, store=store)
    tiny, big = c.panes
    assert tiny.last.refused and tiny.last.result.status == "error"
    assert "accepts 40" in tiny.last.result.error and "tokens" in tiny.last.result.error
    assert error_title(tiny.last.result) == "Too long for this model"
    assert big.last.result.status == "ok"
    logged = store.read_requests().frame
    assert list(logged["model"]) == ["echo"]  # nothing was sent to the tiny model, so nothing is logged for it
    assert tiny.messages() == []  # the refused prompt is not part of the next turn's history


def test_switching_model_keeps_history_and_marks_the_switch(catalog):
    c = conversation_of(catalog, "echo", "echo-outline")
    pane = c.panes[0]
    pane.switch_to("echo-priced", "Priced echo")  # no history yet: nothing to mark
    assert pane.items == []
    ask_all(c, catalog, "hello")
    pane.switch_to("echo-outline", "Echo · outline (offline demo)")
    assert isinstance(pane.items[-1], Switch) and pane.items[-1].from_label == "Priced echo"
    ask_all(c, catalog, "and now?")
    assert pane.last.result.model == "echo-outline" and "turn 2" in pane.last.result.text


def test_regenerate_replaces_the_last_answers_in_a_new_comparison(catalog, store):
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(c, catalog, "hello", store=store)
    first_ids = {p.last.result.request_id for p in c.panes}
    first_comparison = c.last_comparison_id
    run(c, c.regenerate(catalog=catalog, store=store))
    assert all(len(p.exchanges) == 1 and p.last.prompt == "hello" for p in c.panes)
    assert {p.last.result.request_id for p in c.panes}.isdisjoint(first_ids)
    assert c.last_comparison_id != first_comparison
    assert len(store.read_requests().frame) == 4


def test_retry_sends_one_pane_again_within_the_same_comparison(catalog, store):
    c = conversation_of(catalog, "gpt-4.1", "echo")
    ask_all(c, catalog, "hello", store=store)
    failed = c.panes[0].last.result
    assert failed.status == "error" and error_title(failed) == "Not configured"
    c.panes[0].switch_to("echo", "Echo")
    run(c, c.retry("p1", catalog=catalog, store=store))
    retried = c.panes[0].last.result
    assert retried.status == "ok" and retried.comparison_id == failed.comparison_id
    assert len(c.panes[0].exchanges) == 1 and c.panes[1].last.result.status == "ok"
    assert list(store.read_requests().frame["status"]) == ["ok", "ok"]  # the pane without a key was never sent


# --- votes and ratings ---


def test_vote_choices_and_winners_for_two_and_more_panes():
    assert vote_choices(["A", "B"]) == [("A", "A is better"), ("B", "B is better"), (TIE, "Tie"), (ALL_BAD, "Both bad")]
    assert [label for _, label in vote_choices(["A", "B", "C"])] == [
        "A is best",
        "B is best",
        "C is best",
        "Tie",
        "All bad",
    ]
    assert winner_for("B", ["A", "B", "C"], ["r1", "r2", "r3"]) == "r2"
    assert winner_for(TIE, ["A", "B"], ["r1", "r2"]) == "tie"
    assert winner_for(ALL_BAD, ["A", "B"], ["r1", "r2"]) == "both_bad"


def test_a_vote_is_stored_once_and_locks_the_comparison(catalog, store):
    c = conversation_of(catalog, "echo", "echo-outline", "echo-priced")
    ask_all(c, catalog, "hello", store=store)
    assert c.can_vote()
    vote = c.cast_vote("C", store)
    assert vote.winner == c.panes[2].last.result.request_id and c.verdict(vote).startswith("C is best")
    assert not c.can_vote()
    votes = store.read_votes().frame
    assert list(votes["winner"]) == [vote.winner]
    assert votes["models"][0] == ["echo", "echo-outline", "echo-priced"]
    with pytest.raises(ValueError, match="choices"):
        c.cast_vote("D", store)


def test_a_refused_pane_takes_no_part_in_the_vote(catalog, store):
    c = conversation_of(catalog, "echo-tiny", "echo", "echo-outline")
    ask_all(c, catalog, "word " * 80, store=store)
    assert [p.pane.model for p in c.participants()] == ["echo", "echo-outline"]
    assert [label for _, label in vote_choices([p.letter for p in c.participants()])][0] == "B is better"


def test_a_rating_is_stored_with_its_comment(catalog, store):
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(c, catalog, "hello", store=store)
    c.rate("p2", 1, 4, store)
    c.rate("p2", 1, 4, store, comment="  clear and short ")
    ratings = store.read_ratings().frame
    assert list(ratings["request_id"]) == [c.panes[1].last.result.request_id]
    assert list(ratings["stars"]) == [4] and list(ratings["comment"]) == ["clear and short"]
    assert c.panes[1].last.rating == 4
    with pytest.raises(ValueError):
        c.rate("p2", 1, 6, store)


# --- blind mode ---


def test_blind_order_is_a_seeded_shuffle():
    items = list(range(8))
    assert blind_order(items, 7) == blind_order(items, 7)
    assert sorted(blind_order(items, 7)) == items
    assert any(blind_order(items, seed) != items for seed in range(5))


def test_blind_mode_hides_names_until_the_vote(catalog, store):
    c = conversation_of(catalog, "echo", "echo-outline", "echo-priced")
    c.set_blind(True, seed=3)
    assert [c.title(p) for p in c.shown()] == ["Model A", "Model B", "Model C"]
    assert sorted(p.id for p in c.shown()) == ["p1", "p2", "p3"]
    ask_all(c, catalog, "hello", store=store)
    exported = to_json(c)
    assert "echo-outline" not in exported and "Priced echo" not in exported
    assert "$" not in answer_metrics(c.panes[2].last.result, hidden=True)
    c.cast_vote("A", store)
    assert not c.hidden and c.title(c.shown()[0]).startswith("A · ")
    assert "echo-outline" in to_json(c)
    c.clear()
    assert c.hidden and all(not p.items for p in c.panes)


def test_the_prompt_estimate_prices_the_history_before_the_new_prompt(catalog):
    c = conversation_of(catalog, "echo-priced", "echo")
    ask_all(c, catalog, "hello there")
    messages = c.panes[0].messages("Be brief.")
    estimate = prompt_estimate(catalog.get("echo-priced"), messages)
    tokens, _ = count_messages(messages)
    assert estimate.tokens == tokens and estimate.cost_usd == pytest.approx(tokens * 2.0 / 1_000_000)
    assert f"≈ {tokens:,} of 8,000 tokens · $" in estimate_line(estimate)
    assert "$" not in estimate_line(estimate, hidden=True)
