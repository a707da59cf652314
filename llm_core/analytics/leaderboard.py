"""A leaderboard from pairwise votes, computed the way Chatbot Arena does, and only as far as the votes allow.

Each vote becomes battles between pairs of models: the chosen answer beats every other pane; a tie or
"both bad" is a tie between every pair. The battles of one vote stay one cluster in the intervals, so a
best-of-4 vote counts as one piece of evidence about three pairs (see `bradley_terry`). A model is ranked
only once it has `min_battles` battles against other ranked models; the rest are listed as provisional and
take no part in the fit, so a model with two battles cannot move or widen anyone else's interval. Ranks are
Arena's: 1 plus the number of models whose lower bound is above this model's upper bound.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .bradley_terry import Z95, finite_core, reachable, sandwich_fit

MIN_BATTLES = 20
TIE_OUTCOMES = ("tie", "both_bad")
DEFAULT_RATER = "human"
BATTLE_COLUMNS = ["vote", "timestamp", "model_a", "model_b", "request_a", "request_b", "outcome", "rater"]
BOARD_COLUMNS = ["rank", "model", "rating", "lower", "upper", "battles", "wins", "ties", "losses", "win_rate"]
PROVISIONAL_COLUMNS = ["model", "battles", "wins", "ties", "losses", "needed", "why"]


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
            "rater": _raters(votes)[vote],
        }
    )
    panes["pane"] = panes.groupby("vote").cumcount()
    return panes


def _raters(votes: pd.DataFrame) -> np.ndarray:
    """Who cast each vote; votes from before the rater column were people's."""
    if "rater" not in votes:
        return np.full(len(votes), DEFAULT_RATER, dtype=object)
    raters = votes["rater"].astype(object).fillna("").astype(str).to_numpy(dtype=object)
    return np.where(raters == "", DEFAULT_RATER, raters)


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


def _record(battles: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """Battles, wins, losses and ties per model (counted on integer codes: grouping strings is slow)."""
    size = len(models)
    a = pd.Categorical(battles["model_a"].astype(str), categories=models).codes
    b = pd.Categorical(battles["model_b"].astype(str), categories=models).codes
    outcome = battles["outcome"].to_numpy(dtype=object)
    won_a, won_b, tie = outcome == "model_a", outcome == "model_b", np.isin(outcome, TIE_OUTCOMES)

    def count(mask_a: np.ndarray, mask_b: np.ndarray) -> np.ndarray:
        sides = np.concatenate([a[mask_a & (a >= 0)], b[mask_b & (b >= 0)]])
        return np.bincount(sides, minlength=size)

    every = np.ones(len(battles), dtype=bool)
    record = pd.DataFrame(
        {
            "battles": count(every, every),
            "wins": count(won_a, won_b),
            "ties": count(tie, tie),
            "losses": count(won_b, won_a),
        },  # fmt: skip
        index=pd.Index(models, name="model"),
    )
    return record.reindex(models)


@dataclass(frozen=True)
class Board:
    """The ranked models, the ones with too few battles to rank, and the threshold that separates them."""

    ranked: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BOARD_COLUMNS))
    provisional: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROVISIONAL_COLUMNS))
    min_battles: int = MIN_BATTLES

    @property
    def battles_needed(self) -> int:
        """How many more battles the board needs before two models can be ranked (0 when it has enough battles, even
        if wins and losses do not yet link two models)."""
        if len(self.ranked) >= 2:
            return 0
        short = sorted(self.provisional["needed"].tolist())
        return int(sum(short[: 2 - len(self.ranked)])) if len(short) >= 2 - len(self.ranked) else self.min_battles


def _rankable(battles: pd.DataFrame, min_battles: int) -> set[str]:
    """The models with at least `min_battles` battles against each other: dropping a model removes its
    opponents' battles with it, so this repeats until nothing more drops."""
    kept = battles
    while True:
        counts = pd.concat([kept["model_a"], kept["model_b"]]).value_counts()
        enough = set(counts.index[counts >= min_battles])
        if len(enough) == len(counts):
            return enough
        kept = kept[kept["model_a"].isin(enough) & kept["model_b"].isin(enough)]


def _open_bounds(table: pd.DataFrame, wins: np.ndarray, core: np.ndarray) -> pd.DataFrame:
    """Models outside the finite core: one that beat the core (through chains of wins) and never lost to it is
    above the lower bound of the strongest model it beat, with no upper bound; one that only lost is the mirror."""
    reach = reachable(wins)
    lower, upper = table["lower"].to_numpy(), table["upper"].to_numpy()
    for i in np.flatnonzero(~core):
        beaten, beaten_by = reach[i] & core, reach[:, i] & core
        table.loc[i, ["rating", "lower", "upper"]] = np.nan
        if beaten.any():
            table.loc[i, ["lower", "upper"]] = [lower[beaten].max(), np.inf]
        elif beaten_by.any():
            table.loc[i, ["lower", "upper"]] = [-np.inf, upper[beaten_by].min()]
    return table


def _ratings(battles: pd.DataFrame) -> pd.DataFrame:
    """Rating, 95% interval and Arena rank of each model in `battles` (all of them rankable)."""
    encoded = _encode(battles)
    wins = _win_matrix(encoded)
    core = finite_core(wins)
    if core.sum() < 2:  # no two models have both won and lost against each other: no rating is finite yet
        core[:] = False
    in_core = core[encoded.index_a] & core[encoded.index_b]
    table = pd.DataFrame({"model": encoded.models, "rating": np.nan, "lower": np.nan, "upper": np.nan})
    if core.sum() >= 2:
        rows = np.cumsum(core) - 1  # each core model's row in the fit
        fit = sandwich_fit(rows[encoded.index_a[in_core]], rows[encoded.index_b[in_core]], encoded.score_a[in_core],
                           pd.factorize(encoded.vote[in_core])[0], int(core.sum()))  # fmt: skip
        table.loc[core, "rating"] = fit.rating
        table.loc[core, "lower"] = fit.rating - Z95 * fit.se
        table.loc[core, "upper"] = fit.rating + Z95 * fit.se
    table = _open_bounds(table, wins, core)
    table["rank"] = [1 + int((table["lower"] > upper).sum()) for upper in table["upper"]]
    return table


def _still_needed(battles: pd.DataFrame, provisional: pd.DataFrame, rankable: set[str], min_battles: int) -> list:
    """Battles each unranked model still needs: to reach the threshold, or, when it has, against ranked models
    (0 for a rankable model no chain of wins and losses links to the rest)."""
    against = pd.concat([battles.loc[battles["model_b"].isin(rankable), "model_a"],
                         battles.loc[battles["model_a"].isin(rankable), "model_b"]]).value_counts()  # fmt: skip
    needed = []
    for model, count in zip(provisional["model"], provisional["battles"], strict=True):
        if model in rankable:
            needed.append(0)
        elif count < min_battles:
            needed.append(int(min_battles - count))
        else:
            needed.append(max(1, int(min_battles - against.get(model, 0))))
    return needed


def interval_text(lower: float, upper: float) -> str:
    """A 95% interval as a reader sees it: "1012 – 1088", or "> 1450" / "< 880" when one end is open."""
    if np.isposinf(upper):
        return f"> {lower:,.0f}"
    if np.isneginf(lower):
        return f"< {upper:,.0f}"
    return f"{lower:,.0f} – {upper:,.0f}"


def leaderboard(battles: pd.DataFrame, min_battles: int = MIN_BATTLES) -> Board:
    """Models with at least `min_battles` battles ranked by Bradley–Terry rating with a 95% sandwich interval and
    Arena's rank; the others listed apart as provisional with how many battles each still needs."""
    if battles.empty:
        return Board(min_battles=min_battles)
    models = sorted(pd.concat([battles["model_a"], battles["model_b"]]).astype(str).unique())
    rankable = _rankable(battles, max(int(min_battles), 1))
    kept = battles[battles["model_a"].isin(rankable) & battles["model_b"].isin(rankable)]
    table = (
        _ratings(kept) if len(rankable) >= 2 else pd.DataFrame(columns=["model", "rating", "lower", "upper", "rank"])
    )
    unplaced = table["lower"].isna() & table["upper"].isna()  # no chain of wins or losses links it to the rest
    table = table[~unplaced]
    ranked_models = table["model"].tolist()
    record = _record(kept[kept["model_a"].isin(ranked_models) & kept["model_b"].isin(ranked_models)], ranked_models)
    table = table.join(record, on="model")
    table["win_rate"] = (table["wins"] + 0.5 * table["ties"]) / table["battles"]
    upper, lower = table["upper"].astype(float), table["lower"].astype(float)
    order = np.where(np.isposinf(upper), np.inf, np.where(np.isneginf(lower), -np.inf, table["rating"]))
    table = table.assign(_order=order).sort_values(["rank", "_order", "model"], ascending=[True, False, True])
    ranked = table[BOARD_COLUMNS].reset_index(drop=True).astype({"rank": int})
    rest = [m for m in models if m not in set(ranked_models)]
    provisional = _record(battles, models).loc[rest].rename_axis("model").reset_index()
    provisional["needed"] = _still_needed(battles, provisional, rankable, min_battles)
    provisional["why"] = np.where(
        provisional["needed"] > 0,
        [f"{n} more battles to be ranked" for n in provisional["needed"]],
        "has not both won and lost against the ranked models (no finite rating yet)",
    )
    provisional = provisional.sort_values(["battles", "model"], ascending=[False, True], ignore_index=True)
    return Board(ranked, provisional[PROVISIONAL_COLUMNS], int(min_battles))


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
