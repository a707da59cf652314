"""Votes between three or four panes are used in full: each is one choice among the answers shown, fitted with
the pairwise votes in one model, and checked against hand-worked examples and simulated voters."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from llm_core.analytics import choice_model
from llm_core.analytics.choice_model import choices, fit_choices, grouped
from llm_core.analytics.leaderboard import battles_from_votes, leaderboard

DAY = pd.Timestamp("2025-03-01", tz="UTC")


def votes(*entries: tuple[int | str, list[str]]) -> pd.DataFrame:
    """Votes from (winning pane or tie, models) pairs; pane i answers with request `<comparison>-<i>`."""
    rows = []
    for number, (winner, models) in enumerate(entries):
        ids = [f"c{number}-{pane}" for pane in range(len(models))]
        rows.append({"timestamp": DAY, "comparison_id": f"c{number}", "winner": ids[winner] if isinstance(winner, int)
                     else winner, "models": models, "request_ids": ids})  # fmt: skip
    return pd.DataFrame(rows)


def ratings(frame: pd.DataFrame) -> pd.Series:
    return leaderboard(battles_from_votes(frame), min_battles=1).ranked.set_index("model")["rating"]


def test_a_best_of_three_winner_twice_in_four_is_twice_as_likely_as_each_other():
    # a is chosen in 2 of 4 votes among {a, b, c}, b and c once each: the choice model's answer is
    # P(a) = 1/2 = 2 P(b) = 2 P(c), so a is 400·log10(2) = 120.4 points above b and c, who are level.
    table = ratings(votes((0, ["a", "b", "c"]), (0, ["a", "b", "c"]), (1, ["a", "b", "c"]), (2, ["a", "b", "c"])))
    assert table["a"] - table["b"] == pytest.approx(400 * math.log10(2), abs=0.01)
    assert table["b"] == pytest.approx(table["c"], abs=1e-6)


def test_a_tie_among_three_shares_the_choice_and_two_panes_are_arenas_bradley_terry():
    # a tie among three is a third of a choice for each: with a chosen once over b and c as well, a takes 4/3 of
    # two choices against 1/3 each for b and c, so P(a)/P(b) = (4/3) / (1/3) = 4: 400·log10(4) = 240.8 points.
    table = ratings(votes(("tie", ["a", "b", "c"]), (0, ["a", "b", "c"])))
    assert table["a"] - table["b"] == pytest.approx(400 * math.log10(4), abs=0.01)
    two = ratings(votes((0, ["x", "y"]), (0, ["x", "y"]), (1, ["x", "y"]), ("tie", ["x", "y"])))
    assert two["x"] - two["y"] == pytest.approx(400 * math.log10(2.5 / 1.5), abs=0.01)  # 2.5 wins of 4


def test_identical_votes_fitted_once_with_a_weight_give_the_same_fit(monkeypatch):
    rng = np.random.default_rng(4)
    vote = np.repeat(np.arange(300), 3)
    model = np.concatenate([rng.choice(5, 3, replace=False) for _ in range(300)])
    chosen = np.zeros(900)
    chosen[np.arange(300) * 3 + rng.integers(0, 3, 300)] = 1
    sets, weights = choices(vote, model, chosen), np.bincount(model, minlength=5).astype(float)
    assert len(grouped(sets).vote) < len(sets.vote)
    once = fit_choices(sets, 5, weights)
    monkeypatch.setattr(choice_model, "grouped", lambda sets: sets)
    each = fit_choices(sets, 5, weights)
    np.testing.assert_allclose(once.strength, each.strength, atol=1e-9)
    np.testing.assert_allclose(once.strength_se, each.strength_se, atol=1e-9)


STRENGTH = {"m0": -0.9, "m1": -0.3, "m2": 0.0, "m3": 0.4, "m4": 1.0}


def best_of_three(count: int, rng: np.random.Generator) -> pd.DataFrame:
    """Voters who pick one of three answers with probability exp(strength) / Σ exp(strength)."""
    names = list(STRENGTH)
    entries = []
    for _ in range(count):
        shown = list(rng.choice(names, 3, replace=False))
        weights = np.exp([STRENGTH[m] for m in shown])
        entries.append((int(rng.choice(3, p=weights / weights.sum())), shown))
    return votes(*entries)


def naive_expansion(frame: pd.DataFrame) -> pd.DataFrame:
    """Each best-of-three vote taken as two independent two-pane votes won by the winner."""
    entries = []
    for winner, models, ids in zip(frame["winner"], frame["models"], frame["request_ids"], strict=True):
        chosen = ids.index(winner)
        entries += [(0, [models[chosen], other]) for pane, other in enumerate(models) if pane != chosen]
    return votes(*entries)


def test_best_of_three_votes_recover_the_true_strengths_with_intervals_that_hold():
    truth = pd.Series(STRENGTH) * 400 / math.log(10)
    truth -= truth.mean()
    rng = np.random.default_rng(0)
    squared, covered = {"choice": [], "naive": []}, {"choice": 0, "naive": 0}
    for _ in range(40):
        frame = best_of_three(600, rng)
        for name, counted in (("choice", frame), ("naive", naive_expansion(frame))):
            board = leaderboard(battles_from_votes(counted), min_battles=1).ranked.set_index("model").loc[truth.index]
            shift = board["rating"].mean()  # compare gaps: the board centres on the battle-weighted average
            squared[name] += ((board["rating"] - shift - truth) ** 2).tolist()
            covered[name] += int(((board["lower"] - shift <= truth) & (truth <= board["upper"] - shift)).sum())
    rmse = {name: math.sqrt(np.mean(values)) for name, values in squared.items()}
    coverage = {name: count / (40 * len(truth)) for name, count in covered.items()}
    assert rmse["choice"] < 20 and rmse["choice"] <= rmse["naive"]  # rating points over 40 sets of 600 votes
    assert 0.92 <= coverage["choice"] <= 0.99  # 95% intervals that hold
    assert coverage["naive"] < coverage["choice"] - 0.03  # two wins from one vote claim more than one vote's worth
