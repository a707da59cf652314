"""A leaderboard from pairwise votes, computed the way Chatbot Arena does.

Each vote becomes battles between pairs of models: the chosen answer beats every other pane; a tie or
"both bad" is a tie between every pair. A Bradley–Terry model is fitted to the battles by maximum
likelihood, a tie counting as half a win for each side (as Arena's `compute_mle_elo` does), and reported on
Arena's scale: 400 points is a factor of ten in the odds of winning, and the average model sits at 1000.
A weak Gaussian prior keeps a model that has won every battle at a finite score; it moves scores by a
point or two over a handful of battles, and less as battles accumulate. 95% intervals come from a bootstrap
that resamples votes (all battles of one vote together), with a fixed seed so the page does not flicker.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SCALE = 400.0
BASE = 10.0
INITIAL_RATING = 1000.0
PRIOR_STRENGTH = 0.01
BOOTSTRAP_ROUNDS = 200
TIE_OUTCOMES = ("tie", "both_bad")
BATTLE_COLUMNS = ["vote", "timestamp", "model_a", "model_b", "request_a", "request_b", "outcome"]


@dataclass(frozen=True)
class _Battles:
    """Battles as integer arrays, ready for fitting."""

    models: list[str]
    index_a: np.ndarray
    index_b: np.ndarray
    score_a: np.ndarray  # 1 when model a won, 0 when it lost, 0.5 for a tie
    vote: np.ndarray  # which vote each battle came from, numbered 0..votes-1


def _as_list(value: object) -> list[str]:
    """A vote's models or request ids, whether already decoded (the log store's lists) or still JSON text."""
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except json.JSONDecodeError:
            return []
    if isinstance(value, list | tuple | np.ndarray):
        return ["" if item is None else str(item) for item in value]
    return []


def _aligned(request_ids: list[str], panes: int) -> list[str]:
    """One request id per pane: votes from before request ids were logged have none."""
    return request_ids if len(request_ids) == panes else (request_ids + [""] * panes)[:panes]


def _panes(votes: pd.DataFrame) -> pd.DataFrame:
    """One row per pane of every vote: vote number, pane position, model, request id and the vote's winner."""
    models = [_as_list(value) for value in votes["models"].tolist()]
    request_ids = [
        _aligned(_as_list(value), len(panes)) for panes, value in zip(models, votes["request_ids"], strict=True)
    ]
    vote = np.repeat(np.arange(len(votes)), [len(panes) for panes in models])
    panes = pd.DataFrame(
        {
            "vote": vote,
            "model": np.fromiter(chain.from_iterable(models), dtype=object, count=len(vote)),
            "request": np.fromiter(chain.from_iterable(request_ids), dtype=object, count=len(vote)),
            "winner": votes["winner"].astype(object).fillna("").astype(str).to_numpy(dtype=object)[vote],
        }
    )
    panes["pane"] = panes.groupby("vote").cumcount()
    return panes


def _decided(panes: pd.DataFrame) -> pd.DataFrame:
    """Votes with a chosen answer: it beats every other pane (found by request id, or by model in older votes)."""
    by_id = panes[(panes["request"] != "") & (panes["request"] == panes["winner"])].drop_duplicates("vote")
    by_model = panes[(panes["model"] == panes["winner"]) & ~panes["vote"].isin(by_id["vote"])]
    chosen = pd.concat([by_id, by_model.drop_duplicates("vote")])[["vote", "model", "request"]]
    faced = panes.merge(chosen, on="vote", suffixes=("_b", "_a"))
    faced = faced[faced["model_a"] != faced["model_b"]]
    return faced.assign(outcome="model_a")


def _tied(panes: pd.DataFrame) -> pd.DataFrame:
    """Tie and both-bad votes: a tie between every pair of panes."""
    pairs = panes.merge(panes[["vote", "pane", "model", "request"]], on="vote", suffixes=("_a", "_b"))
    pairs = pairs[(pairs["pane_a"] < pairs["pane_b"]) & (pairs["model_a"] != pairs["model_b"])]
    return pairs.assign(outcome=pairs["winner"])


def battles_from_votes(votes: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of models a vote compared: who faced whom, with which requests, and the outcome
    (`model_a` won, `tie`, or `both_bad`). Votes whose winner cannot be found are left out."""
    if votes.empty:
        return pd.DataFrame(columns=BATTLE_COLUMNS)
    panes = _panes(votes)
    tie = panes["winner"].isin(TIE_OUTCOMES)
    battles = pd.concat([_decided(panes[~tie]), _tied(panes[tie])]).sort_values("vote", kind="stable")
    battles["timestamp"] = votes["timestamp"].array.take(battles["vote"].to_numpy())
    return battles[BATTLE_COLUMNS].reset_index(drop=True)


def _encode(battles: pd.DataFrame) -> _Battles:
    codes, models = pd.factorize(pd.concat([battles["model_a"], battles["model_b"]], ignore_index=True), sort=True)
    outcome = battles["outcome"].to_numpy(dtype=object)
    return _Battles(
        models=[str(model) for model in models],
        index_a=codes[: len(battles)],
        index_b=codes[len(battles) :],
        score_a=np.where(outcome == "model_a", 1.0, np.where(outcome == "model_b", 0.0, 0.5)),
        vote=pd.factorize(battles["vote"])[0],
    )


def _win_matrix(battles: _Battles) -> np.ndarray:
    """wins[i, j]: how many battles model i won against model j (a tie is half a win each)."""
    size = len(battles.models)
    a_wins = np.bincount(battles.index_a * size + battles.index_b, battles.score_a, size * size)
    b_wins = np.bincount(battles.index_b * size + battles.index_a, 1 - battles.score_a, size * size)
    return (a_wins + b_wins).reshape(size, size)


def _vote_patterns(battles: _Battles) -> tuple[np.ndarray, np.ndarray]:
    """The distinct win matrices one vote can add (flattened, a row each) and how many votes added each.

    Votes with the same pairs and outcomes add the same matrix, so resampling votes is drawing these patterns in
    proportion to their counts: far cheaper than touching every battle in every bootstrap round."""
    size, votes = len(battles.models), int(battles.vote.max()) + 1
    outcome = np.select([battles.score_a == 1, battles.score_a == 0], [0, 1], 2)
    token = (battles.index_a * size + battles.index_b) * 3 + outcome
    salt = np.random.default_rng(20240601).integers(0, 2**63, size * size * 3, dtype=np.uint64)
    fingerprint = np.zeros(votes, dtype=np.uint64)
    np.add.at(fingerprint, battles.vote, salt[token])  # a hash of each vote's multiset of battles
    _, pattern, counts = np.unique(fingerprint, return_inverse=True, return_counts=True)
    first = np.full(len(counts), votes)
    np.minimum.at(first, pattern, np.arange(votes))
    one = first[pattern[battles.vote]] == battles.vote  # the battles of one vote of each pattern
    rows = pattern[battles.vote[one]]
    a, b, score = battles.index_a[one], battles.index_b[one], battles.score_a[one]
    matrices = np.zeros((len(counts), size * size))
    np.add.at(matrices, (rows, a * size + b), score)
    np.add.at(matrices, (rows, b * size + a), 1 - score)
    return matrices, counts


def fit_strengths(wins: np.ndarray, prior: float = PRIOR_STRENGTH) -> np.ndarray:
    """Bradley–Terry log-strengths maximising the likelihood of `wins` under a weak Gaussian prior (Newton's method)."""
    size = wins.shape[0]
    games = wins + wins.T
    theta = np.zeros(size)
    for _ in range(100):
        expected = 1.0 / (1.0 + np.exp(theta[None, :] - theta[:, None]))  # P(i beats j)
        gradient = (wins - games * expected).sum(axis=1) - prior * theta
        curvature = games * expected * (1 - expected)
        hessian = curvature - np.diag(curvature.sum(axis=1) + prior)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.max(np.abs(step)) < 1e-9:
            break
    return theta


def _to_rating(theta: np.ndarray) -> np.ndarray:
    return INITIAL_RATING + SCALE * theta / math.log(BASE)


def _bootstrap_ratings(battles: _Battles, rounds: int, seed: int) -> np.ndarray:
    """Ratings refitted on `rounds` resamples of the votes (with replacement), one row per round."""
    matrices, counts = _vote_patterns(battles)
    draws = np.random.default_rng(seed).multinomial(counts.sum(), counts / counts.sum(), size=rounds)
    size = len(battles.models)
    return np.array([_to_rating(fit_strengths(wins.reshape(size, size))) for wins in draws @ matrices])


def _record(battles: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """Battles, wins, losses and ties per model."""
    side_a = pd.DataFrame({"model": battles["model_a"], "win": battles["outcome"] == "model_a"})
    side_b = pd.DataFrame({"model": battles["model_b"], "win": battles["outcome"] == "model_b"})
    sides = pd.concat([side_a, side_b], ignore_index=True)
    sides["tie"] = np.concatenate([battles["outcome"].isin(TIE_OUTCOMES)] * 2)
    sides["loss"] = ~(sides["win"] | sides["tie"])
    record = sides.groupby("model").agg(
        battles=("win", "size"), wins=("win", "sum"), ties=("tie", "sum"), losses=("loss", "sum")
    )
    return record.reindex(models)


def leaderboard(battles: pd.DataFrame, rounds: int = BOOTSTRAP_ROUNDS, seed: int = 0) -> pd.DataFrame:
    """Models ranked by Bradley–Terry rating, with a bootstrap 95% interval, Arena's rank and their record.

    `rank` is 1 plus the number of models whose interval lies wholly above this model's, as Arena ranks."""
    columns = ["rank", "model", "rating", "lower", "upper", "battles", "wins", "ties", "losses", "win_rate"]
    if battles.empty:
        return pd.DataFrame(columns=columns)
    encoded = _encode(battles)
    rating = _to_rating(fit_strengths(_win_matrix(encoded)))
    samples = _bootstrap_ratings(encoded, rounds, seed) if rounds > 0 else rating[None, :]
    table = pd.DataFrame(
        {
            "model": encoded.models,
            "rating": rating,
            "lower": np.quantile(samples, 0.025, axis=0),
            "upper": np.quantile(samples, 0.975, axis=0),
        }
    )
    table["rank"] = [1 + int((table["lower"] > upper).sum()) for upper in table["upper"]]
    table = table.join(_record(battles, encoded.models), on="model")
    table["win_rate"] = (table["wins"] + 0.5 * table["ties"]) / table["battles"]
    return table.sort_values(["rating", "model"], ascending=[False, True], ignore_index=True)[columns]


def pairwise(battles: pd.DataFrame, order: list[str] | None = None) -> pd.DataFrame:
    """For every ordered pair of models that met: battles fought and the share the row model won (ties half)."""
    columns = ["model_a", "model_b", "battles", "win_rate"]
    if battles.empty:
        return pd.DataFrame(columns=columns)
    encoded = _encode(battles)
    wins = _win_matrix(encoded)
    games = wins + wins.T
    a, b = np.nonzero(games)
    table = pd.DataFrame(
        {
            "model_a": [encoded.models[i] for i in a],
            "model_b": [encoded.models[j] for j in b],
            "battles": games[a, b].round().astype(int),
            "win_rate": wins[a, b] / games[a, b],
        }
    )
    if order:
        rank = {model: i for i, model in enumerate(order)}
        table = table.sort_values(["model_a", "model_b"], key=lambda s: s.map(rank), ignore_index=True)
    return table


def _is_in(values: pd.Series, allowed: pd.Series) -> np.ndarray:
    """`values.isin(allowed)` through Arrow, which is many times faster than pandas on long string columns."""
    found = pc.is_in(pa.array(values.astype(str), pa.string()), value_set=pa.array(allowed.astype(str), pa.string()))
    return found.to_numpy(zero_copy_only=False)


def filter_battles(battles: pd.DataFrame, requests: pd.DataFrame, restricted: bool) -> pd.DataFrame:
    """The battles whose both answers are among `requests` (when filters are on); a side without a request id
    (votes from older logs) is kept when its model is among the requests' models."""
    if not restricted or battles.empty:
        return battles
    request_ids = requests["request_id"].dropna()
    models = pd.Series(requests["model"].dropna().unique()).astype(str)

    def side_kept(request: pd.Series, model: pd.Series) -> np.ndarray:
        known = np.asarray(request.fillna("") != "", dtype=bool)
        return (known & _is_in(request, request_ids)) | (~known & _is_in(model, models))

    keep = side_kept(battles["request_a"], battles["model_a"]) & side_kept(battles["request_b"], battles["model_b"])
    return battles[keep].reset_index(drop=True)


def answered_battles(battles: pd.DataFrame, requests: pd.DataFrame) -> pd.DataFrame:
    """The battles whose both answers came back `ok`, by each side's request id in `requests` (the request log:
    request_id, status): a failed, stopped or cut-short answer never wins or loses. A side without a request id
    (votes from older logs) cannot be looked up and is kept."""
    if battles.empty:
        return battles
    ok_ids = requests.loc[np.asarray(requests["status"] == "ok", dtype=bool), "request_id"].dropna()

    def side_ok(request: pd.Series) -> np.ndarray:
        unknown = np.asarray(request.fillna("") == "", dtype=bool)
        return unknown | _is_in(request.fillna(""), ok_ids)

    keep = side_ok(battles["request_a"]) & side_ok(battles["request_b"])
    return battles[keep].reset_index(drop=True)
