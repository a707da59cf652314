"""The leaderboard a user reads from pairwise votes, checked against small examples worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from llm_core.analytics.bradley_terry import fit_strengths
from llm_core.analytics.leaderboard import battles_from_votes, filter_battles, leaderboard, pairwise

DAY = pd.Timestamp("2025-03-01", tz="UTC")


def votes(*entries: tuple[str, list[str]]) -> pd.DataFrame:
    """Votes from (winner, models) pairs; pane i answers with request `<comparison>-<i>`, winner may be an index."""
    rows = []
    for number, (winner, models) in enumerate(entries):
        request_ids = [f"c{number}-{pane}" for pane in range(len(models))]
        chosen = request_ids[int(winner)] if winner.isdigit() else winner
        rows.append({"timestamp": DAY, "comparison_id": f"c{number}", "winner": chosen, "models": models,
                     "request_ids": request_ids})  # fmt: skip
    return pd.DataFrame(rows, columns=["timestamp", "comparison_id", "winner", "models", "request_ids"])


def board(*entries: tuple[str, list[str]], min_battles: int = 1) -> pd.DataFrame:
    return leaderboard(battles_from_votes(votes(*entries)), min_battles=min_battles).ranked.set_index("model")


def elo_gap(win_share: float) -> float:
    """Rating points between two models when one wins `win_share` of their games (Arena's scale)."""
    return 400 * math.log10(win_share / (1 - win_share))


def test_a_model_that_wins_every_vote_ranks_first_with_an_open_upper_bound():
    rest = [("0", ["b", "c"]), ("1", ["b", "c"]), ("0", ["b", "c"])]
    table = board(("0", ["champ", "b"]), ("1", ["c", "champ"]), ("0", ["champ", "c"]), *rest)
    assert table.index[0] == "champ"
    assert table.loc["champ", "rank"] == 1
    assert table.loc["champ", "win_rate"] == 1.0
    assert table.loc["champ", "upper"] == math.inf and math.isnan(table.loc["champ", "rating"])
    assert table.loc["champ", "lower"] == pytest.approx(table.loc["b", "lower"])  # above the best model it beat
    assert math.isfinite(table.loc["b", "upper"]) and math.isfinite(table.loc["c", "lower"])


def test_a_model_that_loses_every_vote_has_an_open_lower_bound():
    table = board(("0", ["a", "b"]), ("1", ["a", "b"]), ("0", ["a", "dud"]), ("0", ["b", "dud"]))
    assert table.loc["dud", "lower"] == -math.inf
    assert table.loc["dud", "upper"] == pytest.approx(table.loc["a", "upper"])
    assert table.index[-1] == "dud"


def test_symmetric_votes_give_equal_scores_at_the_centre():
    table = board(("0", ["x", "y"]), ("1", ["x", "y"]), ("0", ["y", "x"]), ("1", ["y", "x"]))
    assert table.loc["x", "rating"] == pytest.approx(1000, abs=1e-6)
    assert table.loc["y", "rating"] == pytest.approx(1000, abs=1e-6)
    assert table["rank"].tolist() == [1, 1]


def test_two_wins_to_one_puts_the_winner_400_log10_2_points_ahead():
    table = board(("0", ["a", "b"]), ("0", ["a", "b"]), ("1", ["a", "b"]))
    gap = table.loc["a", "rating"] - table.loc["b", "rating"]
    assert gap == pytest.approx(elo_gap(2 / 3), abs=0.01)  # 120.4 points
    assert table.loc["a", "rating"] + table.loc["b", "rating"] == pytest.approx(2000)


def test_a_tie_counts_as_half_a_win_for_each_side():
    table = board(("0", ["a", "b"]), ("tie", ["a", "b"]), ("both_bad", ["a", "b"]), ("0", ["a", "b"]))
    gap = table.loc["a", "rating"] - table.loc["b", "rating"]
    assert gap == pytest.approx(elo_gap(3 / 4), abs=0.01)  # a scored 2 + 2 halves = 3 of 4; 190.8 points
    assert (table.loc["a", "wins"], table.loc["a", "ties"], table.loc["b", "losses"]) == (2, 2, 2)


def test_three_pane_vote_winner_beats_each_other_pane_and_a_tie_pairs_everyone():
    won = battles_from_votes(votes(("2", ["a", "b", "c"])))
    assert sorted(zip(won["model_a"], won["model_b"], strict=True)) == [("c", "a"), ("c", "b")]
    assert set(won["outcome"]) == {"model_a"}
    tied = battles_from_votes(votes(("both_bad", ["a", "b", "c"])))
    assert len(tied) == 3 and set(tied["outcome"]) == {"both_bad"}


def test_votes_from_older_logs_still_count():
    frame = pd.DataFrame(
        {
            "timestamp": [DAY, DAY, DAY],
            "comparison_id": ["c1", "c2", "c3"],
            "winner": ["a", "r3", "nobody"],  # a model name, a request id, and a winner nowhere in the vote
            "models": ['["a", "b"]', '["a", "b"]', '["a", "b"]'],  # still JSON text
            "request_ids": [None, '["r3", "r4"]', '["r5", "r6"]'],
        }
    )
    battles = battles_from_votes(frame)
    assert len(battles) == 2
    assert battles["model_a"].tolist() == ["a", "a"]


def test_a_model_against_itself_is_not_a_battle():
    battles = battles_from_votes(votes(("0", ["a", "a", "b"])))
    assert list(zip(battles["model_a"], battles["model_b"], strict=True)) == [("a", "b")]


def test_intervals_contain_the_rating_and_repeat_exactly():
    entries = [("0", ["a", "b"])] * 6 + [("1", ["a", "b"])] * 3 + [("0", ["b", "c"])] * 4 + [("1", ["b", "c"])]
    entries += [("tie", ["a", "c"])]
    first = board(*entries)
    again = board(*reversed(entries))  # the same votes in another order
    pd.testing.assert_frame_equal(first, again.loc[first.index])
    assert ((first["lower"] < first["rating"]) & (first["rating"] < first["upper"])).all()


def test_arena_rank_shares_a_place_when_intervals_overlap():
    clear = [("0", ["top", "mid"])] * 30 + [("0", ["mid", "low"])] * 30 + [("0", ["top", "low"])] * 30
    table = board(*clear, ("1", ["top", "mid"]), ("1", ["mid", "low"]), ("1", ["top", "low"]))
    assert table["rank"].to_dict() == {"top": 1, "mid": 2, "low": 3}
    close = board(("0", ["a", "b"]), ("1", ["a", "b"]), ("0", ["a", "b"]))
    assert close["rank"].tolist() == [1, 1]


def test_win_rate_matrix_and_battle_counts():
    battles = battles_from_votes(votes(("0", ["a", "b"]), ("0", ["a", "b"]), ("tie", ["a", "b"]), ("1", ["a", "c"])))
    pairs = pairwise(battles).set_index(["model_a", "model_b"])
    assert pairs.loc[("a", "b"), "win_rate"] == pytest.approx(2.5 / 3)
    assert pairs.loc[("b", "a"), "win_rate"] == pytest.approx(0.5 / 3)
    assert pairs.loc[("a", "b"), "battles"] == 3
    assert pairs.loc[("c", "a"), "win_rate"] == 1.0
    assert ("b", "c") not in pairs.index


def test_battles_follow_the_request_filters():
    battles = battles_from_votes(votes(("0", ["a", "b"]), ("0", ["a", "c"])))
    requests = pd.DataFrame({"request_id": ["c0-0", "c0-1", "c1-0"], "model": ["a", "b", "a"]})
    kept = filter_battles(battles, requests, restricted=True)
    assert kept[["model_a", "model_b"]].values.tolist() == [["a", "b"]]
    assert len(filter_battles(battles, requests, restricted=False)) == 2


def test_no_votes_give_an_empty_leaderboard():
    empty = leaderboard(battles_from_votes(votes()))
    assert empty.ranked.empty and empty.provisional.empty and empty.battles_needed == 20
    assert pairwise(battles_from_votes(votes())).empty


def test_strengths_are_centred_and_finite_even_for_a_clean_sweep():
    theta = fit_strengths(np.array([[0, 1000.0], [0, 0]]), prior=0.01)
    assert theta.sum() == pytest.approx(0, abs=1e-9)
    assert theta[0] > theta[1] and np.isfinite(theta).all()
