"""The leaderboard's toggles as a user works them: blind votes only (on by default once the blind votes can rank),
and style control with its coefficients, each said in a sentence."""

from __future__ import annotations

import numpy as np

from llm_core.store.csv_store import LogStore
from tests.pages.test_page_analytics import answer, open_page, show_tab, texts


def vote_between(store: LogStore, rival: str, count: int, blind: bool, texts_of=None, seed: int = 0,
                 rater: str = "human") -> None:  # fmt: skip
    """`count` votes between gpt-4o-mini and `rival`, each won alternately (gpt-4o-mini one more), or, with
    `texts_of` (number -> the two answers' texts), won by the longer answer three times in four."""
    rng = np.random.default_rng(seed)
    for number in range(count):
        words = texts_of(number) if texts_of else ("Paris.", "Paris.")
        pair = [answer(model, comparison_id=f"{rater}-{rival}-{blind}-{number}", text=text)
                for model, text in zip(("gpt-4o-mini", rival), words, strict=True)]  # fmt: skip
        for result in pair:
            assert store.append_response(result) == ""
        if texts_of:
            longer = int(len(words[1]) > len(words[0]))
            winner = pair[longer if rng.random() < 0.75 else 1 - longer]
        else:
            winner = pair[number % 2]
        store.append_vote(f"{rater}-{rival}-{blind}-{number}", winner.request_id, [r.model for r in pair],
                          [r.request_id for r in pair], rater=rater, blind=blind)  # fmt: skip


def board(at):
    """The leaderboard's table (the first on the tab; a read-only table's key does not reach AppTest)."""
    return at.dataframe[0].value


def board_models(at) -> list[str]:
    return sorted(board(at)["model"])


def style_table(at):
    """The style coefficients' table, if shown."""
    return next((frame.value for frame in at.dataframe if "worth" in frame.value), None)


def test_blind_votes_only_is_on_by_default_when_the_blind_votes_can_rank():
    store = LogStore(fsync=False)
    vote_between(store, "llama-8b", 25, blind=True)
    vote_between(store, "claude-haiku", 25, blind=False)
    at = show_tab(open_page(), "Leaderboard")
    assert not at.exception
    toggle = at.toggle(key="analytics_blind_only")
    assert toggle.value is True
    assert "25 of these 50 votes were blind" in toggle.help
    assert board_models(at) == ["gpt-4o-mini", "llama-8b"]  # claude-haiku's votes were not blind
    toggle.set_value(False).run()
    assert board_models(at) == ["claude-haiku", "gpt-4o-mini", "llama-8b"]


def test_blind_votes_only_is_off_by_default_when_too_few_are_blind_and_says_what_is_missing():
    store = LogStore(fsync=False)
    vote_between(store, "llama-8b", 25, blind=False)
    vote_between(store, "claude-haiku", 4, blind=True)
    at = show_tab(open_page(), "Leaderboard")
    toggle = at.toggle(key="analytics_blind_only")
    assert toggle.value is False and not toggle.disabled
    assert "they do not yet" in toggle.help
    assert board_models(at) == ["gpt-4o-mini", "llama-8b"]
    toggle.set_value(True).run()
    shown = texts(at)
    assert "At least 32 more battles would rank the first two" in shown  # 16 more each for the two models
    assert "turn off **Blind votes only**" in shown


def test_the_blind_default_follows_the_choices_until_the_user_sets_it():
    store = LogStore(fsync=False)
    vote_between(store, "llama-8b", 25, blind=True)
    vote_between(store, "claude-haiku", 25, blind=False, rater="judge:gpt-4.1")
    vote_between(store, "llama-8b", 3, blind=True, rater="judge:gpt-4.1")
    at = show_tab(open_page(), "Leaderboard")
    assert at.toggle(key="analytics_blind_only").value is True  # people's votes: 25 blind ones rank two models
    at.selectbox(key="analytics_rater").set_value("judge:gpt-4.1").run()
    assert at.toggle(key="analytics_blind_only").value is False  # the judge's 3 blind votes rank nothing
    assert board_models(at) == ["claude-haiku", "gpt-4o-mini"]
    at.toggle(key="analytics_blind_only").set_value(True).run()
    at.selectbox(key="analytics_rater").set_value("human").run()
    at.selectbox(key="analytics_rater").set_value("judge:gpt-4.1").run()
    assert at.toggle(key="analytics_blind_only").value is True  # the user's choice stands
    at = show_tab(show_tab(at, "Summary"), "Leaderboard")  # the tab closed, its widgets gone, and open again
    assert at.toggle(key="analytics_blind_only").value is True


def test_without_blind_votes_the_toggle_is_off_and_disabled():
    vote_between(LogStore(fsync=False), "llama-8b", 25, blind=False)
    at = show_tab(open_page(), "Leaderboard")
    toggle = at.toggle(key="analytics_blind_only")
    assert toggle.value is False and toggle.disabled
    assert board_models(at) == ["gpt-4o-mini", "llama-8b"]


def test_style_control_shows_what_length_is_worth_in_a_sentence():
    rng = np.random.default_rng(3)

    def wordy_and_terse(number: int) -> tuple[str, str]:
        # gpt-4o-mini writes long answers with a list, llama-8b short ones; lengths vary from vote to vote
        long, short = int(rng.integers(200, 1200)), int(rng.integers(20, 400))
        return "- point\n" + "x" * long, "y" * short

    vote_between(LogStore(fsync=False), "llama-8b", 120, blind=True, texts_of=wordy_and_terse)
    at = show_tab(open_page(), "Leaderboard")
    assert style_table(at) is None  # off by default
    plain = board(at).set_index("model")["rating"]
    at.toggle(key="analytics_style_control").set_value(True).run()
    assert not at.exception
    style = style_table(at).set_index("feature")
    assert style.loc["length", "worth"].startswith("+")
    said = texts(at)
    assert "**length**: Longer answers win more often: +" in said
    # every gpt-4o-mini answer has one list item and no llama-8b answer has any: that is the models over again
    assert style.loc["lists", "worth"] == "—" and "**lists**: Left out of the fit" in said
    assert "**headers**: Not fitted: no two answers in these votes differ in Markdown headers" in said
    controlled = board(at).set_index("model")["rating"]
    gap = lambda ratings: ratings["gpt-4o-mini"] - ratings["llama-8b"]  # noqa: E731
    assert gap(controlled) < gap(plain)  # length no longer counts as gpt-4o-mini's merit
    assert "Under style control each answer's length" in texts(at)


def test_the_boards_choices_are_kept_while_another_tab_is_open():
    store = LogStore(fsync=False)
    vote_between(store, "llama-8b", 25, blind=False)
    vote_between(store, "claude-haiku", 25, blind=False, rater="judge:gpt-4.1")
    at = show_tab(open_page(), "Leaderboard")
    at.selectbox(key="analytics_rater").set_value("judge:gpt-4.1").run()
    at.number_input(key="analytics_min_battles").set_value(10).run()
    at.toggle(key="analytics_style_control").set_value(True).run()
    at = show_tab(show_tab(at, "Summary"), "Leaderboard")  # the tab closed, its widgets gone, and open again
    assert at.selectbox(key="analytics_rater").value == "judge:gpt-4.1"
    assert at.number_input(key="analytics_min_battles").value == 10
    assert at.toggle(key="analytics_style_control").value is True
    assert board_models(at) == ["claude-haiku", "gpt-4o-mini"]
    assert not at.exception and not at.warning
