"""Issue 13 for votes: a vote stays bound to the answers it judged, and only answers that came back ok are judged."""

from __future__ import annotations

import json
import random

import pytest
from streamlit.testing.v1 import AppTest

from llm_core.session.conversation import blind_order
from llm_core.session.export import to_json, to_markdown
from llm_core.store.csv_store import LogStore, default_store
from tests.catalogs import use_catalog
from tests.conversation_support import ask_all, conversation_catalog, conversation_of
from tests.pages.test_page_analytics import answer, open_page, show_tab
from tests.pages.test_page_compare import APP, MODELS, choose_model, results, send

SWAPS_TWO = next(seed for seed in range(100) if blind_order(["p1", "p2"], seed) == ["p2", "p1"])


@pytest.fixture
def catalog(isolated, monkeypatch):
    return conversation_catalog(isolated, monkeypatch)


@pytest.fixture
def at(isolated, monkeypatch) -> AppTest:
    use_catalog(isolated, monkeypatch, MODELS)
    monkeypatch.setenv("SWITCHBOARD_MAX_ATTEMPTS", "1")
    app = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not app.exception
    return app


def blind_shuffle_swaps_two_panes(monkeypatch) -> None:
    """The next time blind mode shuffles, it shows the second pane first (the page draws its seed at random)."""
    draw = random.randrange
    monkeypatch.setattr(random, "randrange", lambda n: SWAPS_TWO if n == 1 << 30 else draw(n))


def vote_buttons(at: AppTest) -> dict[str, str]:
    """Each vote button's label and whether it is ticked (primary) or not."""
    return {b.label: b.proto.type for b in at.button if b.key and b.key.startswith("vote_")}


# --- point 8: a vote is bound to the answers it judged ---


def test_markdown_names_the_answer_that_won_after_blind_reshuffles_the_panes(catalog, store):
    c = conversation_of(catalog, "echo", "echo-outline")
    ask_all(c, catalog, "hello", store=store)
    c.cast_vote("B", store)  # echo-outline's answer won
    c.set_blind(True, seed=SWAPS_TWO)
    assert [p.model for p in c.shown()] == ["echo-outline", "echo"]  # the winner is shown as A now
    assert "**Vote:** A is better" in to_markdown(c)
    assert json.loads(to_json(c))["votes"][0]["vote"] == "A is better"
    c.set_blind(False)
    markdown = to_markdown(c)
    assert "**Vote:** B is better" in markdown and "**B** was Echo · outline (offline demo)" in markdown
    [vote] = json.loads(to_json(c))["votes"]
    assert (vote["vote"], vote["winner_model"]) == ("B is better", "echo-outline")


def test_toggling_blind_after_a_vote_keeps_the_tick_and_the_names_on_the_winner(at, monkeypatch):
    send(at, "who wins?")
    at.button(key="vote_B").click().run()
    winner = results(at, "p2")[0].request_id
    blind_shuffle_swaps_two_panes(monkeypatch)
    at.toggle(key="blind").set_value(True).run()
    assert at.session_state.conversation.shown()[0].id == "p2"  # the winning pane is Model A now
    assert vote_buttons(at) == {"A is better": "primary", "B is better": "secondary", "Tie": "secondary",
                                "Both bad": "secondary"}  # fmt: skip
    saved = at.success[0].value
    assert "A is better" in saved and "Echo" not in saved  # names stay hidden while blind
    at.toggle(key="blind").set_value(False).run()
    assert vote_buttons(at)["B is better"] == "primary" and vote_buttons(at)["A is better"] == "secondary"
    saved = at.success[0].value
    assert "B is better" in saved and "**B** was Echo · outline (offline demo)" in saved
    assert list(default_store().read_votes().frame["winner"]) == [winner]


# --- point 9: only answers that came back ok are judged ---


def test_with_one_pane_failed_no_vote_is_offered(at):
    choose_model(at, "p1", "gpt-4.1")  # no key: this pane fails
    send(at, "hello")
    assert results(at, "p1")[0].status == "error"
    assert not vote_buttons(at)
    assert not at.session_state.conversation.can_vote()


def test_a_vote_among_three_panes_leaves_out_the_one_that_failed(at):
    at.button(key="add_pane").click().run()
    choose_model(at, "p2", "gpt-4.1")  # no key: the middle pane fails
    send(at, "three of us")
    assert list(vote_buttons(at)) == ["A is better", "C is better", "Tie", "Both bad"]
    at.button(key="vote_C").click().run()
    [stored] = default_store().read_votes().frame.to_dict("records")
    assert stored["request_ids"] == [results(at, "p1")[0].request_id, results(at, "p3")[0].request_id]
    assert stored["winner"] == results(at, "p3")[0].request_id
    assert "gpt-4.1" not in stored["models"]


def test_a_vote_for_a_pane_that_failed_is_refused(catalog, store):
    c = conversation_of(catalog, "echo", "gpt-4.1", "echo-outline")
    ask_all(c, catalog, "hello", store=store)
    assert [p.letter for p in c.contenders()] == ["A", "C"]
    with pytest.raises(ValueError, match="choices: A, C"):
        c.cast_vote("B", store)
    assert store.read_votes().frame.empty


def test_the_leaderboard_ignores_a_stored_battle_whose_side_did_not_answer_ok():
    store = LogStore(fsync=False)
    fair = [answer("claude-haiku", comparison_id="c1"), answer("gpt-4o-mini", comparison_id="c1")]
    unfair = [
        answer("claude-haiku", comparison_id="c2"),
        answer("gpt-4o-mini", comparison_id="c2", status="error", text="", error="Rate limit reached"),
        answer("llama-8b", comparison_id="c2", status="incomplete", text="Par"),
    ]
    for result in fair + unfair:
        assert store.append_response(result) == ""
    for comparison, results_ in (("c1", fair), ("c2", unfair)):  # votes from before the page refused such votes
        ids = [r.request_id for r in results_]
        store.append_vote(comparison, ids[0], [r.model for r in results_], ids)
    at = show_tab(open_page(), "Leaderboard")
    board = at.dataframe[0].value.set_index("model")
    assert board["battles"].to_dict() == {"claude-haiku": 1, "gpt-4o-mini": 1}  # only the fair vote counts
    assert board.loc["claude-haiku", "wins"] == 1
    assert "both answers came back whole" in " ".join(c.value for c in at.caption)
