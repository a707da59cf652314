"""How often a judge model and people agree, on the pairs both voted on: percentage and Cohen's kappa.

Kappa is computed here (a few lines over a confusion table) rather than by pulling in scikit-learn for one formula.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

HUMAN = "human"


@dataclass(frozen=True)
class Agreement:
    """Agreement between people and one judge over `pairs` votes on the same answers."""

    judge: str
    pairs: int
    agreed: float  # share of pairs with the same outcome
    kappa: float | None  # None when it is undefined (every vote the same outcome on both sides)


def outcome_for(winner: str, request_ids: list[str]) -> str:
    """A vote between two answers, named from the first (sorted) answer's side: 'first', 'second' or 'tie'."""
    first, second = sorted(request_ids)
    return "first" if winner == first else "second" if winner == second else "tie"


def agreements(votes: pd.DataFrame) -> list[Agreement]:
    """For each judge (a rater other than 'human'): agreement with people on the pairs of answers both judged."""
    two_way = votes[votes["request_ids"].map(len) == 2]
    keyed = two_way.assign(
        pair=two_way["request_ids"].map(lambda ids: tuple(sorted(ids))),
        outcome=[outcome_for(w, ids) for w, ids in zip(two_way["winner"], two_way["request_ids"], strict=True)],
    )
    people = keyed[keyed["rater"] == HUMAN].drop_duplicates("pair", keep="last").set_index("pair")["outcome"]
    found = []
    for judge, theirs in keyed[keyed["rater"] != HUMAN].groupby("rater"):
        judged = theirs.drop_duplicates("pair", keep="last").set_index("pair")["outcome"]
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
