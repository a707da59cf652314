"""Past Compare conversations rebuilt from the log: panes, answers, ratings, votes and settings; the History list."""

from __future__ import annotations

import pytest

from llm_core import Options, SwitchboardError
from llm_core.record import Result
from llm_core.session.history import past_conversations, reopen, typed_prompt
from llm_core.templates import Template, usable_templates
from tests.conversation_support import ask_all, conversation_catalog, conversation_of, run
from tests.store.conftest import any_store, backend, postgres_url  # noqa: F401 - the store on every backend


@pytest.fixture
def catalog(isolated, monkeypatch):
    return conversation_catalog(isolated, monkeypatch)


def templates() -> dict[str, Template]:
    return usable_templates().templates


def test_a_conversation_is_rebuilt_from_the_log_with_its_panes_answers_ratings_and_vote(catalog, store):
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(c, catalog, "first question", store=store, session_id=c.id)
    c.rate("p1", 1, 4, store, comment="clear")
    ask_all(c, catalog, "second question", store=store, session_id=c.id)
    c.cast_vote("B", store)

    again = reopen(store, c.id, catalog, templates()).conversation

    assert [(p.id, p.model) for p in again.panes] == [("p1", "echo"), ("p2", "echo-outline")]
    for before, after in zip(c.panes, again.panes, strict=True):
        assert [e.prompt for e in after.exchanges] == ["first question", "second question"]
        assert [e.result.text for e in after.exchanges] == [e.result.text for e in before.exchanges]
        assert [e.result.request_id for e in after.exchanges] == [e.result.request_id for e in before.exchanges]
    assert (again.panes[0].exchanges[0].rating, again.panes[0].exchanges[0].comment) == (4, "clear")
    assert again.last_comparison_id == c.last_comparison_id
    assert again.votes[c.last_comparison_id].winner == c.votes[c.last_comparison_id].winner
    assert not again.can_vote()  # the vote is locked, as it was
    assert again.next_pane == 3  # a pane added now gets a new id


def test_the_next_turn_of_a_reopened_conversation_carries_its_history(catalog, store):
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(c, catalog, "remember this", store=store, session_id=c.id)

    again = reopen(store, c.id, catalog, templates()).conversation

    assert again.panes[0].messages() == c.panes[0].messages()


def test_the_settings_of_the_last_turn_come_back_shared_and_per_pane(catalog, store):
    c = conversation_of(catalog, "echo", "echo-outline")
    options = {"p1": Options(temperature=0.3, max_tokens=64), "p2": Options(temperature=0.3, max_tokens=99)}
    summarize = templates()["summarize"]
    ask_all(
        c, catalog, "a long text", store=store, session_id=c.id, options=options, template=summarize, system="Be brief"
    )

    reopened = reopen(store, c.id, catalog, templates())

    assert reopened.setup.template == "summarize"
    assert reopened.setup.system == "Be brief"
    assert reopened.setup.options == Options(temperature=0.3)
    assert reopened.pane_setups == {"p1": Options(temperature=0.3, max_tokens=64), "p2": options["p2"]}
    assert [e.prompt for e in reopened.conversation.panes[0].exchanges] == ["a long text"]  # as typed


def test_a_regenerated_turn_comes_back_as_one_turn_with_the_new_answers_and_the_log_keeps_the_old(
    catalog,
    any_store,  # noqa: F811 - the fixture imported above
):
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(c, catalog, "first", store=any_store, session_id=c.id)
    ask_all(c, catalog, "second", store=any_store, session_id=c.id)
    replaced = c.last_comparison_id
    run(c, c.regenerate(catalog=catalog, store=any_store, session_id=c.id))
    run(c, c.regenerate(catalog=catalog, store=any_store, session_id=c.id))  # twice: each replaces the one before
    ask_all(c, catalog, "third", store=any_store, session_id=c.id)

    again = reopen(any_store, c.id, catalog, templates()).conversation

    for before, after in zip(c.panes, again.panes, strict=True):
        assert [e.prompt for e in after.exchanges] == ["first", "second", "third"]
        assert [e.result.request_id for e in after.exchanges] == [e.result.request_id for e in before.exchanges]
    logged = any_store.read_requests().frame
    assert len(logged) == 2 * 5  # every answer given stays in the log
    regenerated = logged[logged["replaces"].astype(str) != ""]
    assert len(regenerated) == 4 and replaced in set(regenerated["replaces"].astype(str))
    assert past_conversations(any_store)[0].turns == 3


def test_a_conversation_shown_read_only_takes_no_vote_or_rating_until_continued(catalog, store):
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(c, catalog, "judge me", store=store, session_id=c.id)
    shown = reopen(store, c.id, catalog, templates()).conversation
    shown.read_only = True

    assert not shown.can_vote()
    with pytest.raises(SwitchboardError, match="read-only"):
        shown.cast_vote("A", store)
    with pytest.raises(SwitchboardError, match="read-only"):
        shown.rate("p1", 1, 5, store)
    assert store.read_votes().frame.empty and store.read_ratings().frame.empty
    shown.read_only = False
    assert shown.can_vote()


def test_a_prompt_is_taken_back_out_of_its_template_or_left_as_sent():
    template = Template("quote", 'Say "{prompt}" {{twice}}')
    assert typed_prompt(template.render("hi there"), template) == "hi there"
    assert typed_prompt("edited since", template) == "edited since"
    assert typed_prompt("plain", None) == "plain"


def test_a_model_switch_in_a_pane_comes_back_as_a_switch(catalog, store):
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(c, catalog, "one", store=store, session_id=c.id)
    c.pane("p1").switch_to("echo-500", catalog.get("echo-500").label)
    ask_all(c, catalog, "two", store=store, session_id=c.id)

    pane = reopen(store, c.id, catalog, templates()).conversation.pane("p1")

    assert pane.model == "echo-500"
    assert [type(item).__name__ for item in pane.items] == ["Exchange", "Switch", "Exchange"]


def test_rows_logged_before_pane_ids_go_one_pane_per_model(catalog, store):
    for model, prompt in [("echo", "hi"), ("echo-outline", "hi"), ("echo", "again")]:
        result = Result(model=model, requested_model=model, comparison_id=f"cmp-{prompt}", session_id="old")
        result.prompt, result.text, result.status = prompt, f"{model} says {prompt}", "ok"
        store.append_response(result)

    again = reopen(store, "old", catalog, templates()).conversation

    assert [p.model for p in again.panes] == ["echo", "echo-outline"]
    assert [e.prompt for e in again.panes[0].exchanges] == ["hi", "again"]


def test_an_unknown_conversation_reopens_as_nothing(catalog, store):
    assert reopen(store, "nosuchid", catalog, templates()) is None


def test_history_lists_conversations_newest_first_with_prompt_models_and_vote(catalog, store):
    older = conversation_of(catalog, "echo", "echo-outline")
    ask_all(older, catalog, "about cats", store=store, session_id=older.id)
    older.cast_vote("A", store)
    newer = conversation_of(catalog, "echo", "echo-500")
    ask_all(newer, catalog, "about dogs", store=store, session_id=newer.id)
    elsewhere = conversation_of(catalog, "echo", "echo-outline")
    ask_all(elsewhere, catalog, "not from Compare", store=store)  # no session_id: the CLI or the API

    listed = past_conversations(store)

    assert [s.conversation_id for s in listed] == [newer.id, older.id]
    assert listed[1].first_prompt == "about cats" and listed[1].voted and not listed[0].voted
    assert set(listed[0].models) == {"echo", "echo-500"}


def test_history_search_finds_prompts_answers_and_models_case_insensitively(catalog, store):
    cats = conversation_of(catalog, "echo", "echo-outline")
    ask_all(cats, catalog, "About CATS", store=store, session_id=cats.id)
    dogs = conversation_of(catalog, "echo", "echo-500")
    ask_all(dogs, catalog, "about dogs", store=store, session_id=dogs.id)

    assert [s.conversation_id for s in past_conversations(store, "cats")] == [cats.id]
    assert [s.conversation_id for s in past_conversations(store, "echo-500")] == [dogs.id]
    assert past_conversations(store, "zebra") == []


def test_a_reload_mid_turn_stops_the_old_run_and_keeps_what_had_arrived(catalog, store):
    import time

    c = conversation_of(catalog, "echo-slow", "echo")
    c.start_turn("a slow answer please, with many words to stream", catalog=catalog, store=store, session_id=c.id)
    c.live.start()
    slow = c.pane("p1").last.result
    deadline = time.monotonic() + 20
    while not slow.text and time.monotonic() < deadline:  # wait for the first words, not for a time
        time.sleep(0.01)
    arrived = slow.text

    again = reopen(store, c.id, catalog, templates()).conversation  # the old page's run is still streaming

    kept = again.pane("p1").last.result
    assert arrived and kept.text.startswith(arrived)
    assert kept.status == "cancelled" and c.live.finished


def test_someone_else_looking_at_a_conversation_mid_turn_does_not_stop_it(catalog, store):
    c = conversation_of(catalog, "echo-slow", "echo")
    c.start_turn("a slow answer please, with many words to stream", catalog=catalog, store=store, session_id=c.id)
    c.live.start()

    reopen(store, c.id, catalog, templates(), settle=False)

    assert not c.live.finished and c.pane("p1").last.result.status in ("pending", "streaming")
    c.settle()
