"""Style control: with answer length and Markdown as covariates, a model is not rated up for writing longer
answers, and the board says what length is worth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llm_core.analytics.leaderboard import battles_from_votes, leaderboard
from llm_core.analytics.style_control import with_style
from llm_core.analytics.style_features import answer_styles
from llm_core.record import Result
from llm_core.store.csv_store import LogStore, default_store
from llm_core.store.texts import FrameTexts

DAY = pd.Timestamp("2025-03-01", tz="UTC")


def wordy_and_terse(count: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two equally good models, "wordy" writing twice as long as "terse" on average, and voters who favour the
    longer answer by its length alone: P(a wins) = σ(3 · (a − b) / (a + b)), whichever model wrote it."""
    rng = np.random.default_rng(seed)
    votes, requests = [], []
    for number in range(count):
        models = ["wordy", "terse"] if number % 2 else ["terse", "wordy"]
        ids = [f"c{number}-{pane}" for pane in range(2)]
        a, b = (int(rng.lognormal(np.log(800 if m == "wordy" else 400), 0.5)) + 1 for m in models)
        winner = 0 if rng.random() < 1 / (1 + np.exp(-3 * (a - b) / (a + b))) else 1
        votes.append({"timestamp": DAY, "comparison_id": f"c{number}", "winner": ids[winner], "models": models,
                      "request_ids": ids, "rater": "human", "blind": "true"})  # fmt: skip
        requests += [{"request_id": i, "response": "x" * n} for i, n in zip(ids, (a, b), strict=True)]
    return pd.DataFrame(votes), pd.DataFrame(requests)


def test_with_style_control_two_equal_models_rate_alike_though_one_writes_longer():
    votes, requests = wordy_and_terse(3_000, seed=1)
    battles = with_style(battles_from_votes(votes), requests)
    plain = leaderboard(battles).ranked.set_index("model")
    controlled = leaderboard(battles, style_control=True)
    styled = controlled.ranked.set_index("model")
    assert plain.loc["wordy", "lower"] > plain.loc["terse", "upper"]  # without control, wordiness pays
    gap = styled.loc["wordy", "rating"] - styled.loc["terse", "rating"]
    assert abs(gap) < 25 and styled["rank"].tolist() == [1, 1]
    length = controlled.style.set_index("feature").loc["length"]
    assert length["lower"] > 0  # longer answers win more often, and the votes can tell
    assert length["meaning"].startswith("Longer answers win more often: +")
    assert "rating points per standard deviation of length difference" in length["meaning"]
    headers = controlled.style.set_index("feature").loc["headers"]  # no answer had one: nothing to fit
    assert np.isnan(headers["points"]) and headers["meaning"].startswith("Not fitted: no two answers")


def test_battles_without_both_answers_in_the_log_are_left_out_of_style_control():
    votes, requests = wordy_and_terse(400, seed=2)
    battles = with_style(battles_from_votes(votes), requests.iloc[: len(requests) // 2])
    counted = leaderboard(battles, min_battles=1, style_control=True).ranked["battles"].sum() / 2
    assert counted == len(votes) // 2
    assert leaderboard(battles, min_battles=1).ranked["battles"].sum() / 2 == len(votes)


def test_markdown_is_counted_outside_code_blocks():
    answer = "# Title\n\nSome **bold** and __more__\n- a\n* b\n1. c\n2) d\n```\n# a comment\n- not a list\n```\n## End"
    counted = answer_styles(pd.Series([answer, "plain words", None]))
    assert counted.iloc[0].to_dict() == {"length": len(answer), "headers": 2, "lists": 4, "bold": 2}
    assert counted.iloc[1].to_dict() == {"length": 11, "headers": 0, "lists": 0, "bold": 0}
    assert counted.iloc[2].isna().all()


def test_style_control_recovers_the_planted_length_effect():
    votes, requests = wordy_and_terse(6_000, seed=3)
    battles = with_style(battles_from_votes(votes), requests)
    length = leaderboard(battles, style_control=True).style.set_index("feature").loc["length"]
    # the voters' log-odds are 3 · (a − b) / (a + b); the board's covariate is (a − b) / (a + b + 1) over its
    # standard deviation across battles, so the planted coefficient is 3 · that deviation, in rating points
    a, b = (battles[f"style_{side}_length"].to_numpy() for side in "ab")
    planted = 3 * np.sqrt(np.mean(((a - b) / (a + b + 1)) ** 2)) * 400 / np.log(10)
    assert length["lower"] <= planted <= length["upper"]
    assert abs(length["points"] - planted) < 0.1 * planted


def test_a_feature_only_one_model_has_is_left_out_and_said_so():
    votes, requests = wordy_and_terse(2_000, seed=4)
    battles = with_style(battles_from_votes(votes), requests)
    wordy = requests["request_id"].isin(votes["request_ids"].explode()[votes["models"].explode() == "wordy"])
    headed = requests.assign(response=np.where(wordy, "# Answer\n", "") + requests["response"])
    plain = leaderboard(battles, style_control=True)
    confounded = leaderboard(with_style(battles_from_votes(votes), headed), style_control=True)
    headers = confounded.style.set_index("feature").loc["headers"]
    assert np.isnan(headers["points"]) and headers["meaning"].startswith("Left out of the fit")
    # what is left is the fit without headers (lengths grew by 9 characters on one side: ratings move a little)
    np.testing.assert_allclose(confounded.ranked["rating"], plain.ranked["rating"], atol=3)


class CountingTexts(FrameTexts):
    """A request log's texts that remembers which rows were read."""

    def __init__(self, frame: pd.DataFrame):
        super().__init__(frame)
        self.read: list[int] = []

    def rows(self, positions, columns):
        self.read += list(positions)
        return super().rows(positions, columns)


def test_style_control_reads_only_the_answers_voted_on_from_a_log_read_without_its_texts():
    store = LogStore(fsync=False)
    results = [Result(model=m, requested_model=m, provider="openai", status="ok", prompt="Hi", text="x" * (10 + i))
               for i, m in enumerate(["a", "b"] * 50)]  # fmt: skip
    for result in results:
        assert store.append_response(result) == ""
    store.append_vote("c0", results[0].request_id, ["a", "b"], [results[0].request_id, results[1].request_id])
    log = store.read_requests(["request_id", "model"])
    assert "response" not in log.frame
    counting = CountingTexts(store.read_requests().frame)
    styled = with_style(battles_from_votes(store.read_votes().frame), log.frame, counting)
    assert sorted(counting.read) == [0, 1]  # two answers of the hundred
    assert styled[["style_a_length", "style_b_length"]].iloc[0].tolist() == [10.0, 11.0]
    real = with_style(battles_from_votes(store.read_votes().frame), log.frame, log.texts)  # the store's own texts
    assert real[["style_a_length", "style_b_length"]].iloc[0].tolist() == [10.0, 11.0]


def test_when_most_answers_were_voted_on_one_pass_over_the_texts_gives_the_same_styles():
    store = LogStore(fsync=False)
    answers = ["# T\n" * (i % 3) + "- a\n" * (i % 4) + "x" * (10 + i) for i in range(12)]
    results = [Result(model=m, requested_model=m, provider="openai", status="ok", prompt="Hi", text=text)
               for m, text in zip(["a", "b"] * 6, answers, strict=True)]  # fmt: skip
    for result in results:
        assert store.append_response(result) == ""
    for i in range(0, 10, 2):  # ten of the twelve answers voted on
        store.append_vote(
            f"c{i}", results[i].request_id, ["a", "b"], [results[i].request_id, results[i + 1].request_id]
        )
    battles = battles_from_votes(store.read_votes().frame)
    log = store.read_requests(["request_id", "model"])
    counting = CountingTexts(store.read_requests().frame)
    scanned = with_style(battles, log.frame, counting)
    assert counting.read == []  # read in one pass, not looked up row by row
    held = with_style(battles, store.read_requests().frame)  # a frame that holds its answers
    from_store = with_style(battles, log.frame, log.texts)
    pd.testing.assert_frame_equal(scanned, held)
    pd.testing.assert_frame_equal(from_store, held)
    assert scanned["style_a_headers"].tolist() == [0.0, 2.0, 1.0, 0.0, 2.0]


@pytest.mark.parametrize("voted", [2, 100])  # a few answers looked up, or most read in one pass
def test_style_control_reads_the_answers_back_from_a_database_log(tmp_path, monkeypatch, voted):
    from llm_core.store.database import forget_engines

    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'switchboard.db'}")
    store = default_store()
    results = [Result(model=m, requested_model=m, provider="openai", status="ok", prompt="Hi",
                      text="- a\n" * (i % 3) + "x" * (10 + i)) for i, m in enumerate(["a", "b"] * 50)]  # fmt: skip
    for result in results:
        assert store.append_response(result) == ""
    for i in range(0, voted, 2):
        store.append_vote(
            f"c{i}", results[i].request_id, ["a", "b"], [results[i].request_id, results[i + 1].request_id]
        )
    try:
        battles = battles_from_votes(store.read_votes().frame)
        log = store.read_requests(["request_id", "model"])
        assert "response" not in log.frame
        styled = with_style(battles, log.frame, log.texts)
        held = with_style(battles, store.read_requests().frame)
        pd.testing.assert_frame_equal(styled, held)
        assert styled["style_b_length"].tolist() == [len(results[i + 1].text) for i in range(0, voted, 2)]
    finally:
        forget_engines()
