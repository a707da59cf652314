"""How often a judge model and people agree, on the pairs of answers both voted on: percentage and Cohen's kappa.

Votes are compared pair by pair. Each vote is read into outcomes on pairs of answers exactly as the leaderboard
reads it (`analytics.leaderboard.battles_from_votes`), so both count the same evidence:

- a vote between two answers is one pair: the chosen answer won it, or it is a tie ("tie" and "both bad" alike);
- a best-of-N vote over 3-4 panes (as people vote on Compare) is a win of the chosen answer over each other pane;
  it says nothing about how the other panes compare among themselves, so those pairs are left out;
- a tie, or "all bad", over N panes is a tie on every pair of them.

The judge compares two answers at a time, so its verdicts are pairs already (an inconsistent verdict is a tie).
A pair is two answers (request ids, not models: the same models on another case are another pair), its outcome
named from the side of the first id in sorted order: 'first', 'second' or 'tie'. Where a rater voted on a pair
more than once, its latest vote counts. Only the pairs that people and the judge both have an outcome for are
compared. Kappa is computed here (a few lines over the three outcomes) rather than by pulling in scikit-learn
for one formula.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from ..analytics.leaderboard import TIE_OUTCOMES, battles_from_votes

HUMAN = "human"


@dataclass(frozen=True)
class Agreement:
    """Agreement between people and one judge over `pairs` pairs of answers both voted on."""

    judge: str
    pairs: int
    agreed: float  # share of pairs with the same outcome
    kappa: float | None  # None when it is undefined (every vote the same outcome on both sides)


def pair_outcomes(votes: pd.DataFrame) -> pd.DataFrame:
    """Every rater's latest outcome on each pair of answers its votes imply: columns rater, pair, outcome."""
    battles = battles_from_votes(votes)
    known = battles[(battles["request_a"] != "") & (battles["request_b"] != "")]  # old votes logged no ids
    pairs = [tuple(sorted(ids)) for ids in zip(known["request_a"], known["request_b"], strict=True)]
    outcomes = [
        "tie" if outcome in TIE_OUTCOMES else "first" if winner == pair[0] else "second"  # model_a won
        for outcome, winner, pair in zip(known["outcome"], known["request_a"], pairs, strict=True)
    ]
    found = pd.DataFrame({"rater": known["rater"].to_list(), "pair": pairs, "outcome": outcomes})
    return found.drop_duplicates(["rater", "pair"], keep="last").reset_index(drop=True)


def agreements(votes: pd.DataFrame) -> list[Agreement]:
    """For each judge (a rater other than 'human'): agreement with people on the pairs of answers both judged."""
    outcomes = pair_outcomes(votes)
    people = outcomes[outcomes["rater"] == HUMAN].set_index("pair")["outcome"]
    found = []
    for judge, theirs in outcomes[outcomes["rater"] != HUMAN].groupby("rater", sort=True):
        judged = theirs.set_index("pair")["outcome"]
        common = judged.index.intersection(people.index)
        if len(common):
            found.append(_agreement(str(judge), list(people[common]), list(judged[common])))
    return found


def _agreement(judge: str, human: list[str], model: list[str]) -> Agreement:
    n = len(human)
    observed = sum(h == m for h, m in zip(human, model, strict=True)) / n
    h_counts, m_counts = Counter(human), Counter(model)
    expected = sum(h_counts[k] * m_counts[k] for k in h_counts) / (n * n)
    kappa = None if expected == 1 else (observed - expected) / (1 - expected)
    return Agreement(judge, n, observed, kappa)
