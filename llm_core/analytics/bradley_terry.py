"""Bradley–Terry's scale and the questions every fit must ask first: which ratings are finite, and who beat whom.

Ratings are on Arena's scale: 400 points is a factor of ten in the odds, and the models' average weighted by
their battles is 1000. The fit itself is `choice_model`'s (with two panes, exactly Arena's Bradley–Terry fit of
the win matrix, a tie half a win each, as `compute_mle_elo`); `fit_strengths` is that fit on a win matrix alone.
A model whose rating has no finite estimate (it never lost, or never won, against the rest) is reported with an
open bound instead of a number the fit would make up: `finite_core` finds the models that have one.
"""

from __future__ import annotations

import math

import numpy as np

SCALE = 400.0
BASE = 10.0
INITIAL_RATING = 1000.0
Z95 = 1.959964
SCALE_PER_LOG = SCALE / math.log(BASE)  # rating points per unit of log-strength
RIDGE = 1e-6  # keeps Newton's steps defined under the sum-zero freedom; moves no rating by a measurable amount


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
