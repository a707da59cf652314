"""The leaderboard on the Analytics page as a user works it: the threshold, demo models, and whose votes count."""

from __future__ import annotations

from llm_core.record import Result
from llm_core.store.csv_store import LogStore
from tests.pages.test_page_analytics import answer, open_page, show_tab, texts


def logged(store: LogStore, model: str, provider: str, number: int) -> Result:
    result = answer("gpt-4o-mini", comparison_id=f"c{number}") if model == "gpt-4o-mini" else Result(
        model=model, requested_model=model, provider=provider, status="ok", prompt="Hi", text="Hello")  # fmt: skip
    assert store.append_response(result) == ""
    return result


def vote_many(store: LogStore, rival: str, provider: str, count: int, rater: str = "human") -> None:
    """`count` votes between gpt-4o-mini and `rival`, won alternately, with gpt-4o-mini winning one more."""
    for number in range(count):
        pair = [logged(store, "gpt-4o-mini", "openai", number), logged(store, rival, provider, number)]
        winner = pair[0] if number % 2 == 0 else pair[1]
        store.append_vote(f"{rater}-{rival}-{number}", winner.request_id, [r.model for r in pair],
                          [r.request_id for r in pair], rater=rater)  # fmt: skip


def board_models(at) -> list[str]:
    return at.dataframe[0].value["model"].tolist()


def test_demo_models_are_left_out_until_the_user_includes_them():
    store = LogStore(fsync=False)
    vote_many(store, "echo-outline", "echo", 25)
    at = show_tab(open_page(), "Leaderboard")
    assert not at.exception
    assert "No votes under these choices" in texts(at)  # every vote involved the offline demo
    at.toggle(key="analytics_include_demo").set_value(True).run()
    assert sorted(board_models(at)) == ["echo-outline", "gpt-4o-mini"]


def test_judges_votes_are_counted_apart_from_peoples():
    store = LogStore(fsync=False)
    vote_many(store, "llama-8b", "groq", 25)
    vote_many(store, "claude-haiku", "anthropic", 25, rater="judge:gpt-4.1")
    at = show_tab(open_page(), "Leaderboard")
    assert sorted(board_models(at)) == ["gpt-4o-mini", "llama-8b"]  # people's votes by default
    at.selectbox(key="analytics_rater").set_value("judge:gpt-4.1").run()
    assert sorted(board_models(at)) == ["claude-haiku", "gpt-4o-mini"]


def test_lowering_the_threshold_ranks_a_provisional_model():
    store = LogStore(fsync=False)
    vote_many(store, "llama-8b", "groq", 6)
    at = show_tab(open_page(), "Leaderboard")
    assert "At least 28 more battles" in texts(at)  # 14 more each for the two models
    at.number_input(key="analytics_min_battles").set_value(5).run()
    assert sorted(board_models(at)) == ["gpt-4o-mini", "llama-8b"]
