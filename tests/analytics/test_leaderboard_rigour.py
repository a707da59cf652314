"""The leaderboard ranks only what the votes can rank, its intervals mean what they say, and its ratings agree
with an independent Bradley–Terry fit."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from llm_core.analytics.leaderboard import battles_from_votes, leaderboard
from llm_core.analytics.style_control import with_style
from tests.analytics.test_battles import mixed_votes

DAY = pd.Timestamp("2025-03-01", tz="UTC")
STRENGTH = {"strong": 0.8, "good": 0.3, "fair": 0.0, "weak": -0.6}


def simulated_votes(count: int, seed: int, strength: dict[str, float] = STRENGTH) -> pd.DataFrame:
    """Two-pane votes between random pairs, each won with its Bradley–Terry probability."""
    rng = np.random.default_rng(seed)
    names = list(strength)
    rows = []
    for number in range(count):
        a, b = rng.choice(names, 2, replace=False)
        ids = [f"v{number}-a", f"v{number}-b"]
        won = rng.random() < 1 / (1 + math.exp(strength[b] - strength[a]))
        rows.append({"timestamp": DAY, "comparison_id": f"v{number}", "winner": ids[0] if won else ids[1],
                     "models": [a, b], "request_ids": ids})  # fmt: skip
    return pd.DataFrame(rows)


def with_votes(frame: pd.DataFrame, *entries: tuple[int, list[str]]) -> pd.DataFrame:
    """`frame` with more votes, each won by the pane at the given index."""
    extra = []
    for number, (winner, models) in enumerate(entries):
        ids = [f"x{number}-{pane}" for pane in range(len(models))]
        extra.append({"timestamp": DAY, "comparison_id": f"x{number}", "winner": ids[winner], "models": models,
                      "request_ids": ids})  # fmt: skip
    return pd.concat([frame, pd.DataFrame(extra)], ignore_index=True)


def independent_fit(battles: pd.DataFrame) -> dict[str, float]:
    """A plain logistic regression on one row per battle (model a's indicator minus model b's; a tie is two
    half-weighted rows), fitted by gradient steps with the first model fixed at 0, then put on Arena's scale."""
    models = sorted(set(battles["model_a"]) | set(battles["model_b"]))
    index = {m: i for i, m in enumerate(models)}
    x = np.zeros((len(battles), len(models)))
    x[np.arange(len(battles)), battles["model_a"].map(index)] = 1
    x[np.arange(len(battles)), battles["model_b"].map(index)] = -1
    y = np.where(battles["outcome"] == "model_a", 1.0, np.where(battles["outcome"] == "model_b", 0.0, 0.5))
    x = x[:, 1:]
    beta = np.zeros(x.shape[1])
    for _ in range(5000):
        p = 1 / (1 + np.exp(-x @ beta))
        step = x.T @ (y - p) / len(y)
        beta += 4 * step
        if np.abs(step).max() < 1e-12:
            break
    theta = np.concatenate([[0.0], beta])
    theta -= theta.mean()
    return {m: 1000 + 400 * t / math.log(10) for m, t in zip(models, theta, strict=True)}


def test_ratings_agree_with_an_independent_logistic_regression_on_20000_battles():
    battles = battles_from_votes(simulated_votes(20_000, seed=7))
    ranked = leaderboard(battles).ranked.set_index("model")
    shift = ranked["rating"].mean() - 1000  # the board centres on the battle-weighted average, the fit on the plain one
    for model, rating in independent_fit(battles).items():
        assert ranked.loc[model, "rating"] - shift == pytest.approx(rating, abs=0.5)
    true_gap = 400 * (STRENGTH["strong"] - STRENGTH["weak"]) / math.log(10)
    assert ranked.loc["strong", "rating"] - ranked.loc["weak", "rating"] == pytest.approx(true_gap, abs=25)


def test_a_model_with_two_battles_is_provisional_and_moves_no_interval():
    before = leaderboard(battles_from_votes(simulated_votes(600, seed=3))).ranked.set_index("model")
    newcomer = with_votes(simulated_votes(600, seed=3), (0, ["echo-outline", "strong"]), (0, ["echo-outline", "weak"]))
    board = leaderboard(battles_from_votes(newcomer))
    after = board.ranked.set_index("model")
    assert "echo-outline" not in after.index
    assert board.provisional.set_index("model").loc["echo-outline", ["battles", "needed"]].tolist() == [2, 18]
    for bound in ("lower", "upper"):
        assert (after[bound] - before.loc[after.index, bound]).abs().max() <= 1.0


def test_even_a_ranked_newcomer_does_not_widen_the_others_much():
    base = simulated_votes(800, seed=5)
    before = leaderboard(battles_from_votes(base), min_battles=1).ranked.set_index("model")
    after = leaderboard(battles_from_votes(with_votes(base, (0, ["new", "fair"]), (1, ["new", "good"]))), 1)
    after = after.ranked.set_index("model").loc[before.index]
    assert ((after["upper"] - after["lower"]) - (before["upper"] - before["lower"])).abs().max() <= 1.0


def test_ranks_and_intervals_are_the_same_whatever_order_the_votes_come_in():
    votes = simulated_votes(2_000, seed=11, strength={f"m{i:02}": 0.08 * i for i in range(20)})
    first = leaderboard(battles_from_votes(votes)).ranked.set_index("model")
    for seed in range(3):
        shuffled = votes.sample(frac=1, random_state=seed).reset_index(drop=True)
        again = leaderboard(battles_from_votes(shuffled)).ranked.set_index("model").loc[first.index]
        assert again["rank"].tolist() == first["rank"].tolist()
        np.testing.assert_allclose(again[["rating", "lower", "upper"]], first[["rating", "lower", "upper"]])


def test_intervals_cover_the_true_gap_about_95_times_in_100():
    truth = 400 * (STRENGTH["strong"] - STRENGTH["fair"]) / math.log(10)
    covered = 0
    for seed in range(60):
        ranked = leaderboard(battles_from_votes(simulated_votes(400, seed=100 + seed))).ranked.set_index("model")
        centre = ranked["rating"].mean() - 1000
        # the interval of each rating is about the average of the four, whose true value is known
        true_strong = 1000 + 400 * (STRENGTH["strong"] - np.mean(list(STRENGTH.values()))) / math.log(10)
        covered += ranked.loc["strong", "lower"] - centre <= true_strong <= ranked.loc["strong", "upper"] - centre
    assert truth > 0 and 52 <= covered <= 60


def test_a_board_with_too_few_battles_says_how_many_it_needs():
    board = leaderboard(battles_from_votes(simulated_votes(30, seed=1)))
    assert board.ranked.empty
    assert board.battles_needed > 0
    assert (board.provisional["needed"] > 0).all()
    assert board.provisional["why"].str.contains("more battles to be ranked").all()


def test_a_best_of_three_vote_is_one_cluster_so_it_claims_less_than_three_votes():
    three = pd.concat([simulated_votes(0, 0)] + [with_votes(pd.DataFrame(), (0, ["a", "b", "c"]))] * 1)
    assert len(battles_from_votes(three)) == 2
    rows = [(0, ["a", "b", "c"]), (1, ["a", "b", "c"]), (2, ["a", "b", "c"])] * 10
    grouped = leaderboard(battles_from_votes(with_votes(pd.DataFrame(), *rows)), 1).ranked.set_index("model")
    pairs = [(0, ["a", "b"]), (0, ["a", "c"]), (0, ["b", "a"]), (0, ["b", "c"]), (0, ["c", "a"]), (0, ["c", "b"])]
    apart = leaderboard(battles_from_votes(with_votes(pd.DataFrame(), *pairs * 10)), 1).ranked.set_index("model")
    assert grouped["rating"].to_numpy() == pytest.approx(apart.loc[grouped.index, "rating"].to_numpy())
    assert ((grouped["upper"] - grouped["lower"]) >= (apart["upper"] - apart["lower"]).loc[grouped.index] - 1e-9).all()


def test_each_battle_keeps_who_cast_its_vote():
    votes = with_votes(simulated_votes(2, seed=0), (0, ["a", "b"]))
    votes["rater"] = ["human", None, "judge:gpt-4.1"]
    assert battles_from_votes(votes)["rater"].tolist() == ["human", "human", "judge:gpt-4.1"]


def test_best_of_n_boards_with_style_are_the_same_whatever_the_order_of_votes_and_panes():
    votes = mixed_votes(3_000, seed=21)
    rng = np.random.default_rng(0)
    ids = [i for row in votes["request_ids"] for i in row]
    requests = pd.DataFrame({"request_id": ids, "response": ["- a\n" * int(rng.integers(0, 4)) + "x" * int(
        rng.integers(20, 900)) for _ in ids]})  # fmt: skip

    def boards(frame: pd.DataFrame) -> tuple:
        battles = with_style(battles_from_votes(frame), requests)
        plain, styled = leaderboard(battles, 5), leaderboard(battles, 5, style_control=True)
        return tuple(b.ranked.set_index("model").sort_index() for b in (plain, styled)) + (styled.style,)

    first = boards(votes)
    assert len(first[0]) == 5 and len(first[2])  # every model ranked, style fitted
    for seed in range(3):
        order = np.random.default_rng(seed)
        shuffled = votes.sample(frac=1, random_state=seed).reset_index(drop=True)
        panes = [order.permutation(len(m)) for m in shuffled["models"]]
        shuffled["models"] = [[m[i] for i in p] for m, p in zip(shuffled["models"], panes, strict=True)]
        shuffled["request_ids"] = [[r[i] for i in p] if r else r for r, p in zip(shuffled["request_ids"], panes,
                                                                                  strict=True)]  # fmt: skip
        again = boards(shuffled)
        for before, after in zip(first[:2], again[:2], strict=True):
            assert after["rank"].tolist() == before["rank"].tolist()
            np.testing.assert_allclose(after[["rating", "lower", "upper"]], before[["rating", "lower", "upper"]],
                                       rtol=0, atol=1e-6)  # fmt: skip
        np.testing.assert_allclose(again[2]["points"], first[2]["points"], rtol=0, atol=1e-6)
