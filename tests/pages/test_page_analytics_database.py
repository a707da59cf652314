"""The Analytics page on the SQLite log store, opened like a user: the numbers, the leaderboard, a new row."""

from __future__ import annotations

import pytest

from llm_core.store.csv_store import default_store
from llm_core.store.database import forget_engines
from tests.pages.test_page_analytics import (
    answer,
    headline,
    open_page,
    rank_from_one_battle,
    show_tab,
    split_votes,
    texts,
    write_log,
)  # fmt: skip


@pytest.fixture(autouse=True)
def sqlite_logs(isolated, monkeypatch):
    """Every log goes to one SQLite file in this test's folder; the CSV folder stays empty."""
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", f"sqlite:///{isolated / 'switchboard.db'}")
    yield
    forget_engines()


def test_analytics_reads_the_database_and_names_it(isolated):
    write_log(default_store())
    at = open_page()
    assert not at.exception
    assert headline(at)["Requests"] == "10"
    assert f"sqlite:///{isolated / 'switchboard.db'}" in texts(at)
    assert not (isolated / "logs" / "requests.csv").exists()


def test_a_new_row_in_the_database_shows_on_the_next_run():
    store = write_log(default_store())
    at = open_page()
    assert headline(at)["Requests"] == "10"
    store.append_response(answer("llama-8b"))
    assert headline(at.run())["Requests"] == "11"


def test_the_leaderboard_counts_the_votes_in_the_database_and_follows_a_new_one():
    store = write_log(default_store())
    at = show_tab(rank_from_one_battle(open_page()), "Leaderboard")
    assert not at.exception
    board = at.dataframe[0].value.set_index("model")
    assert (board.loc["claude-haiku", "wins"], board.loc["gpt-4o-mini", "battles"]) == (6, 3)  # it won every vote
    split_votes(store)  # gpt-4o-mini and llama-8b each beat the other once
    board = at.run().dataframe[0].value.set_index("model")
    assert board.loc["gpt-4o-mini", ["battles", "wins"]].tolist() == [5, 1]
    assert board.loc["gpt-4o-mini", "rating"] == pytest.approx(board.loc["llama-8b", "rating"])
