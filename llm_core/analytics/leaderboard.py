"""A leaderboard from votes, computed the way Chatbot Arena does, and only as far as the votes allow.

Votes become battles (see `battles`) for counting and filtering; the ratings come from the votes themselves,
each one a choice of one answer among the panes shown (see `choice_model`: with two panes, Arena's
Bradley–Terry model; a best-of-4 vote is one choice among four, not three independent wins). A model is ranked
only once it has `min_battles` battles against other ranked models; the rest are listed as provisional and take
no part in the fit, so a model with two battles cannot move or widen anyone else's interval. Ranks are Arena's:
1 plus the number of models whose lower bound is above this model's upper bound. Under style control the fit
also weighs each answer's length and Markdown (see `style_control`), and the board shows what each is worth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .battles import BATTLE_COLUMNS, DEFAULT_RATER, TIE_OUTCOMES, battles_from_votes
from .bradley_terry import SCALE_PER_LOG, Z95, finite_core, reachable, to_rating
from .choice_model import choices, fit_choices, identified
from .style_control import STYLE_COLUMNS, pane_covariates, style_arrays, style_known, style_table

__all__ = [
    "BATTLE_COLUMNS", "BOARD_COLUMNS", "DEFAULT_RATER", "MIN_BATTLES", "PROVISIONAL_COLUMNS", "TIE_OUTCOMES",
    "Board", "answered_battles", "battles_from_votes", "filter_battles", "interval_text", "leaderboard", "pairwise",
    "rankable_models",
]  # fmt: skip

MIN_BATTLES = 20
BOARD_COLUMNS = ["rank", "model", "rating", "lower", "upper", "battles", "wins", "ties", "losses", "win_rate"]
PROVISIONAL_COLUMNS = ["model", "battles", "wins", "ties", "losses", "needed", "why"]


@dataclass(frozen=True)
class _Coded:
    """Battles with models as integer codes into `models` (sorted names) and each battle's score for side a."""

    models: list[str]
    a: np.ndarray
    b: np.ndarray
    score_a: np.ndarray  # 1 when model a won, 0 when it lost, 0.5 for a tie or both bad
    vote: np.ndarray


def _coded(battles: pd.DataFrame) -> _Coded:
    """Integer codes for both sides: read straight from shared categories when the battles have them."""
    a, b = battles["model_a"], battles["model_b"]
    if isinstance(a.dtype, pd.CategoricalDtype) and a.dtype == b.dtype:
        names, codes_a, codes_b = a.cat.categories.astype(str), a.cat.codes.to_numpy(), b.cat.codes.to_numpy()
    else:
        codes, names = pd.factorize(pd.concat([a, b], ignore_index=True).astype(str))
        codes_a, codes_b = codes[: len(battles)], codes[len(battles) :]
    used = np.unique(np.r_[codes_a, codes_b])
    order = np.argsort(np.asarray(names)[used].astype(str), kind="stable")
    recode = np.full(len(names), -1)
    recode[used[order]] = np.arange(len(used))
    score = _scores(battles["outcome"])
    models = [str(name) for name in np.asarray(names)[used[order]]]
    return _Coded(models, recode[codes_a], recode[codes_b], score, battles["vote"].to_numpy())


def _scores(outcome: pd.Series) -> np.ndarray:
    """Side a's score in each battle: 1 when it won, 0 when it lost, 0.5 for a tie or both bad (worked out once
    per distinct outcome)."""
    codes, values = pd.factorize(outcome)
    value = np.array([1.0 if v == "model_a" else 0.0 if v == "model_b" else 0.5 for v in values] + [0.5])
    return value[codes]


def _win_matrix(coded: _Coded, keep: np.ndarray | None = None) -> np.ndarray:
    """wins[i, j]: how many battles model i won against model j (a tie is half a win each)."""
    size = len(coded.models)
    a, b, s = (coded.a, coded.b, coded.score_a) if keep is None else (coded.a[keep], coded.b[keep], coded.score_a[keep])
    wins = np.bincount(a * size + b, s, size * size) + np.bincount(b * size + a, 1 - s, size * size)
    return wins.reshape(size, size)


def _record(coded: _Coded, keep: np.ndarray) -> pd.DataFrame:
    """Battles, wins, ties and losses per model among the battles `keep` marks."""
    size = len(coded.models)
    a, b, s = coded.a[keep], coded.b[keep], coded.score_a[keep]

    def count(mask_a: np.ndarray, mask_b: np.ndarray) -> np.ndarray:
        return np.bincount(np.r_[a[mask_a], b[mask_b]], minlength=size)

    every, tie = np.ones(len(a), dtype=bool), s == 0.5
    return pd.DataFrame(
        {"battles": count(every, every), "wins": count(s == 1, s == 0), "ties": count(tie, tie),
         "losses": count(s == 0, s == 1)},
        index=pd.Index(coded.models, name="model"),
    )  # fmt: skip


@dataclass(frozen=True)
class Board:
    """The ranked models, the ones with too few battles to rank, the threshold that separates them, and, under
    style control, what each style feature is worth (`style`: one row per feature) and how many battles were left
    out because an answer's text is not in the request log (`unstyled`)."""

    ranked: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BOARD_COLUMNS))
    provisional: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROVISIONAL_COLUMNS))
    min_battles: int = MIN_BATTLES
    style: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=STYLE_COLUMNS))
    unstyled: int = 0

    @property
    def battles_needed(self) -> int:
        """How many more battles the board needs before two models can be ranked (0 when it has enough battles, even
        if wins and losses do not yet link two models)."""
        if len(self.ranked) >= 2:
            return 0
        short = sorted(self.provisional["needed"].tolist())
        return int(sum(short[: 2 - len(self.ranked)])) if len(short) >= 2 - len(self.ranked) else self.min_battles


def _rankable(coded: _Coded, min_battles: int) -> np.ndarray:
    """The models with at least `min_battles` battles against each other: dropping a model removes its
    opponents' battles with it, so this repeats until nothing more drops."""
    size = len(coded.models)
    kept = np.ones(size, dtype=bool)
    while True:
        both = kept[coded.a] & kept[coded.b]
        counts = np.bincount(np.r_[coded.a[both], coded.b[both]], minlength=size)
        enough = kept & (counts >= min_battles)
        if (enough == kept).all():
            return kept
        kept = enough


def rankable_models(battles: pd.DataFrame, min_battles: int = MIN_BATTLES) -> list[str]:
    """The models that have at least `min_battles` battles against each other (see `_rankable`)."""
    if battles.empty:
        return []
    coded = _coded(battles)
    return [m for m, kept in zip(coded.models, _rankable(coded, max(int(min_battles), 1)), strict=True) if kept]


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


def _panes(coded: _Coded, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The votes behind the battles `keep` marks, as panes: vote, model, share of the choice, and, for every side
    of every battle (a, then b), the pane it is. A decided vote's winner takes the whole choice; a tie shares it
    equally among the panes left. A model shown in two panes of one vote is one pane."""
    rows = np.flatnonzero(keep)
    vote, model = np.r_[coded.vote[rows], coded.vote[rows]], np.r_[coded.a[rows], coded.b[rows]]
    score = np.r_[coded.score_a[rows], 1 - coded.score_a[rows]]
    # sorted by vote, then model
    _, first, pane_of = np.unique(vote * len(coded.models) + model, return_index=True, return_inverse=True)
    vote, model, score = vote[first], model[first], score[first]
    starts = np.flatnonzero(np.r_[True, vote[1:] != vote[:-1]])
    panes = np.diff(np.r_[starts, len(vote)])
    chosen = np.where(score == 0.5, 1.0 / np.repeat(panes, panes), score)
    return vote, model, chosen, pane_of


def _pane_styles(style: np.ndarray, keep: np.ndarray, pane_of: np.ndarray, panes: int) -> np.ndarray:
    """Each pane's style (pane, feature), from the battles `keep` marks (style per battle and side): the mean over
    the sides that show it, so a model in two panes of one vote has its two answers' style averaged, whatever
    order the panes were in."""
    rows = np.flatnonzero(keep)
    sides = np.r_[style[rows, 0, :], style[rows, 1, :]]
    counts = np.bincount(pane_of, minlength=panes)
    return np.stack([np.bincount(pane_of, sides[:, k], panes) for k in range(sides.shape[1])], axis=1) / counts[:, None]


def _ratings(coded: _Coded, style: np.ndarray | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rating, 95% interval and Arena rank of each model in `coded` (all of them rankable), and the style
    coefficients when `style` (per battle and side, see `style_control`) is given."""
    wins = _win_matrix(coded)
    core = finite_core(wins)
    if core.sum() < 2:  # no two models have both won and lost against each other: no rating is finite yet
        core[:] = False
    table = pd.DataFrame({"model": coded.models, "rating": np.nan, "lower": np.nan, "upper": np.nan})
    coefficients = pd.DataFrame(columns=STYLE_COLUMNS)
    if core.sum() >= 2:
        rows = np.cumsum(core) - 1  # each core model's row in the fit
        among = core[coded.a] & core[coded.b]
        vote, model, chosen, pane_of = _panes(coded, among)
        covariates, names = None, []
        if style is not None:
            covariates, names = pane_covariates(_pane_styles(style, among, pane_of, len(vote)), vote)
        sets = choices(vote, rows[model], chosen, covariates)
        told = identified(sets, int(core.sum()))  # a feature that is the models over again is left out
        if not told.all():
            sets = choices(vote, rows[model], chosen, covariates[:, told])
        fit = fit_choices(sets, int(core.sum()), (wins + wins.T).sum(axis=1)[core])
        rating, se = to_rating(fit.strength), fit.strength_se * SCALE_PER_LOG
        table.loc[core, "rating"] = rating
        table.loc[core, "lower"] = rating - Z95 * se
        table.loc[core, "upper"] = rating + Z95 * se
        coefficients = style_table(names, fit.style, fit.style_se, told)
    table = _open_bounds(table, wins, core)
    table["rank"] = [1 + int((table["lower"] > upper).sum()) for upper in table["upper"]]
    return table, coefficients


def _still_needed(coded: _Coded, record: pd.DataFrame, rankable: np.ndarray, min_battles: int) -> list[int]:
    """Battles each unranked model still needs: to reach the threshold, or, when it has, against ranked models
    (0 for a rankable model no chain of wins and losses links to the rest)."""
    size = len(coded.models)
    against = np.bincount(np.r_[coded.a[rankable[coded.b]], coded.b[rankable[coded.a]]], minlength=size)
    needed = []
    for i, count in enumerate(record["battles"]):
        if rankable[i]:
            needed.append(0)
        elif count < min_battles:
            needed.append(int(min_battles - count))
        else:
            needed.append(max(1, int(min_battles - against[i])))
    return needed


def interval_text(lower: float, upper: float) -> str:
    """A 95% interval as a reader sees it: "1012 – 1088", or "> 1450" / "< 880" when one end is open."""
    if np.isposinf(upper):
        return f"> {lower:,.0f}"
    if np.isneginf(lower):
        return f"< {upper:,.0f}"
    return f"{lower:,.0f} – {upper:,.0f}"


def _restricted(coded: _Coded, keep: np.ndarray) -> _Coded:
    """The same battles coded, only those `keep` marks."""
    return _Coded(coded.models, coded.a[keep], coded.b[keep], coded.score_a[keep], coded.vote[keep])


def _provisional(coded: _Coded, ranked: np.ndarray, rankable: np.ndarray, min_battles: int) -> pd.DataFrame:
    record = _record(coded, np.ones(len(coded.a), dtype=bool))
    record["needed"] = _still_needed(coded, record, rankable, min_battles)
    provisional = record[~ranked].rename_axis("model").reset_index()
    provisional["why"] = np.where(
        provisional["needed"] > 0,
        [f"{n} more battles to be ranked" for n in provisional["needed"]],
        "has not both won and lost against the ranked models (no finite rating yet)",
    )
    provisional = provisional.sort_values(["battles", "model"], ascending=[False, True], ignore_index=True)
    return provisional[PROVISIONAL_COLUMNS]


def leaderboard(battles: pd.DataFrame, min_battles: int = MIN_BATTLES, style_control: bool = False) -> Board:
    """Models with at least `min_battles` battles ranked by rating with a 95% sandwich interval and Arena's rank;
    the others listed apart as provisional with how many battles each still needs. With `style_control`, the
    battles must carry their answers' style (see `style_control.with_style`): those without are left out, and the
    ratings are those of answers of the same length and Markdown."""
    unstyled = 0
    if style_control:
        known = style_known(battles)
        battles, unstyled = battles[known], int((~known).sum())
    if battles.empty:
        return Board(min_battles=min_battles, unstyled=unstyled)
    coded = _coded(battles)
    rankable = _rankable(coded, max(int(min_battles), 1))
    among = rankable[coded.a] & rankable[coded.b]
    style = style_arrays(battles)[among] if style_control else None
    kept = _restricted(coded, among)
    unrated = pd.DataFrame(columns=["model", "rating", "lower", "upper", "rank"]), Board().style
    table, coefficients = _ratings(kept, style) if rankable.sum() >= 2 else unrated
    placed = table[~(table["lower"].isna() & table["upper"].isna())]  # no chain of wins or losses links it
    ranked = np.isin(coded.models, placed["model"])
    record = _record(coded, ranked[coded.a] & ranked[coded.b])
    table = placed.join(record, on="model")
    table["win_rate"] = (table["wins"] + 0.5 * table["ties"]) / table["battles"]
    upper, lower = table["upper"].astype(float), table["lower"].astype(float)
    order = np.where(np.isposinf(upper), np.inf, np.where(np.isneginf(lower), -np.inf, table["rating"]))
    table = table.assign(_order=order).sort_values(["rank", "_order", "model"], ascending=[True, False, True])
    board = table[BOARD_COLUMNS].reset_index(drop=True).astype({"rank": int})
    provisional = _provisional(coded, ranked, rankable, int(min_battles))
    return Board(board, provisional, int(min_battles), coefficients, unstyled)


def pairwise(battles: pd.DataFrame, order: list[str] | None = None) -> pd.DataFrame:
    """For every ordered pair of models that met: battles fought and the share the row model won (ties half)."""
    columns = ["model_a", "model_b", "battles", "win_rate"]
    if battles.empty:
        return pd.DataFrame(columns=columns)
    coded = _coded(battles)
    wins = _win_matrix(coded)
    games = wins + wins.T
    a, b = np.nonzero(games)
    table = pd.DataFrame(
        {
            "model_a": [coded.models[i] for i in a],
            "model_b": [coded.models[j] for j in b],
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
