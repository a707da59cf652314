"""The Bradley–Terry fit behind the leaderboard: ratings, closed-form intervals, and which ratings are finite.

Ratings maximise the likelihood of the win matrix (a tie is half a win each, as Arena's `compute_mle_elo`),
on Arena's scale: 400 points is a factor of ten in the odds, and the models' average weighted by their battles
is 1000. Intervals are the
"sandwich" (cluster-robust) standard errors Arena-Rank uses: the curvature of the likelihood, corrected by the
spread of each vote's own gradient, with all battles of one vote as one cluster (a best-of-4 vote's three
battles are not three independent pieces of evidence). They are closed-form, so the same votes always give the
same intervals and ranks. A model whose rating has no finite estimate (it never lost, or never won, against
the rest) is reported with an open bound instead of a number the fit would make up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SCALE = 400.0
BASE = 10.0
INITIAL_RATING = 1000.0
Z95 = 1.959964
RIDGE = 1e-6  # keeps Newton's steps defined under the sum-zero freedom; moves no rating by a measurable amount


@dataclass(frozen=True)
class Fit:
    """Ratings and their standard errors for the models of one strongly connected group."""

    rating: np.ndarray
    se: np.ndarray


def fit_strengths(wins: np.ndarray, prior: float = RIDGE) -> np.ndarray:
    """Bradley–Terry log-strengths maximising the likelihood of `wins` (Newton's method), centred on zero."""
    size = wins.shape[0]
    games = wins + wins.T
    theta = np.zeros(size)
    for _ in range(100):
        expected = _p_win(theta)
        gradient = (wins - games * expected).sum(axis=1) - prior * theta
        curvature = games * expected * (1 - expected)
        hessian = curvature - np.diag(curvature.sum(axis=1) + prior)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return theta - theta.mean()


def _p_win(theta: np.ndarray) -> np.ndarray:
    """P(i beats j) for every pair."""
    return 1.0 / (1.0 + np.exp(theta[None, :] - theta[:, None]))


def to_rating(theta: np.ndarray) -> np.ndarray:
    """Log-strengths on Arena's scale."""
    return INITIAL_RATING + SCALE * theta / math.log(BASE)


def sandwich_fit(index_a: np.ndarray, index_b: np.ndarray, score_a: np.ndarray, vote: np.ndarray, size: int) -> Fit:
    """Ratings and cluster-robust standard errors from battles (model a, model b, a's score, vote number)."""
    wins = np.bincount(index_a * size + index_b, score_a, size * size)
    wins = (wins + np.bincount(index_b * size + index_a, 1 - score_a, size * size)).reshape(size, size)
    theta = fit_strengths(wins)
    expected = _p_win(theta)
    games = wins + wins.T
    curvature = games * expected * (1 - expected)
    information = np.diag(curvature.sum(axis=1)) - curvature  # minus the Hessian of the log-likelihood
    residual = score_a - expected[index_a, index_b]  # each battle's push on a's strength (and the opposite on b's)
    votes = int(vote.max()) + 1 if len(vote) else 0
    cells = votes * size  # each vote's score, a row per vote
    gradients = np.bincount(vote * size + index_a, residual, cells) - np.bincount(
        vote * size + index_b, residual, cells
    )
    gradients = gradients.reshape(votes, size)
    spread = gradients.T @ gradients
    # The pseudo-inverse works in the sum-zero space the ratings live in (both matrices annihilate the ones).
    bread = np.linalg.pinv(information)
    covariance = bread @ spread @ bread
    # Centre on the battle-weighted average, not the plain one: a model with two battles has a wide interval of
    # its own, and a plain average would pass a share of it to every other model's interval.
    weight = games.sum(axis=1) / games.sum()
    centring = np.eye(size) - np.outer(np.ones(size), weight)
    theta, covariance = centring @ theta, centring @ covariance @ centring.T
    se = np.sqrt(np.clip(np.diag(covariance), 0, None)) * SCALE / math.log(BASE)
    return Fit(rating=to_rating(theta), se=se)


def reachable(wins: np.ndarray) -> np.ndarray:
    """reach[i, j]: model i beat model j, directly or through a chain of wins (a tie counts both ways)."""
    reach = (wins > 0) | np.eye(len(wins), dtype=bool)
    while True:
        wider = (reach.astype(np.int64) @ reach.astype(np.int64)) > 0
        if (wider == reach).all():
            return reach
        reach = wider


def finite_core(wins: np.ndarray) -> np.ndarray:
    """The models whose ratings have a finite estimate together: the largest group where each beat each (through
    chains of wins); a model that never lost (or never won) against it stays outside."""
    reach = reachable(wins)
    mutual = reach & reach.T
    sizes = mutual.sum(axis=1)
    battles = (wins + wins.T).sum(axis=1)
    leader = max(range(len(wins)), key=lambda i: (sizes[i], sum(battles[mutual[i]])), default=None)
    return mutual[leader] if leader is not None else np.zeros(0, dtype=bool)
