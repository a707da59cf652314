"""Style control, as Chatbot Arena's default view: the ratings fitted with answer length and Markdown as
covariates, so a model is not rated up for being long or heavily formatted, and the board says what each is worth.

Each battle carries the style of both its answers (see `style_features`). Arena's covariate for a pair of
answers is the normalised difference (a − b) / (a + b + 1) of each feature, standardised. A vote between n
panes needs one covariate per pane whose differences are exactly that: a pane's excess over its vote's mean,
(f − mean) / (2·mean + 1), which for two panes gives Arena's ratio. Each covariate is then divided by the
standard deviation of those pairwise differences, so its coefficient is "per standard deviation of the
difference", as Arena reports it; a feature no answer differs in is left out. The covariates enter the choice
model beside the model strengths (see `choice_model`), and their intervals are the same sandwich intervals. A
feature the votes cannot tell apart from the models (only some models' answers have it, always to the same degree)
is left out of the fit and the table says so, rather than show a number the fit would have made up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..store.texts import TextSource
from .bradley_terry import SCALE_PER_LOG, Z95
from .style_features import STYLE_FEATURES, styles_by_request

STYLE_COLUMNS = ["feature", "points", "lower", "upper", "meaning"]
_WHAT = {
    "length": ("Longer answers", "length difference", "length"),
    "headers": ("Answers with more Markdown headers", "difference in headers", "Markdown headers"),
    "lists": ("Answers with more list items", "difference in list items", "list items"),
    "bold": ("Answers with more bold text", "difference in bold spans", "bold text"),
}


def _columns(side: str) -> list[str]:
    return [f"style_{side}_{name}" for name in STYLE_FEATURES]


def with_style(battles: pd.DataFrame, requests: pd.DataFrame, texts: TextSource | None = None) -> pd.DataFrame:
    """`battles` with the style of both answers (`style_a_length`, ..., `style_b_bold`), looked up by request id
    in the request log (`request_id` and `response`, or a log read without its texts and those `texts`: only the
    battles' answers are read); missing where the answer is not in the log."""
    wanted = pd.concat([battles["request_a"], battles["request_b"]]).dropna().astype(str)
    styles = styles_by_request(requests, pd.Series(wanted.unique()), texts)
    found = {}
    for side in ("a", "b"):
        looked_up = styles.reindex(battles[f"request_{side}"].fillna("").astype(str).to_numpy())
        found |= dict(zip(_columns(side), looked_up.to_numpy().T, strict=True))
    return battles.assign(**found)


def style_known(battles: pd.DataFrame) -> np.ndarray:
    """The battles whose both answers' style is known (none, when the battles carry no style)."""
    names = _columns("a") + _columns("b")
    if not set(names) <= set(battles.columns):
        return np.zeros(len(battles), dtype=bool)
    return battles[names].notna().all(axis=1).to_numpy()


def style_arrays(battles: pd.DataFrame) -> np.ndarray:
    """The style of each battle's answers as an array (battle, side a or b, feature)."""
    return np.stack([battles[_columns(side)].to_numpy(dtype=float) for side in ("a", "b")], axis=1)


def pane_covariates(raw: np.ndarray, vote: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Each pane's standardised style covariates (see the module docstring) from its style `raw` (pane, feature),
    and the features kept; `vote` says which vote each pane belongs to."""
    numbered, sizes = np.unique(vote, return_inverse=True, return_counts=True)[1:]
    totals = np.stack([np.bincount(numbered, raw[:, k], len(sizes)) for k in range(raw.shape[1])], axis=1)
    mean = (totals / sizes[:, None])[numbered]
    excess = (raw - mean) / (2 * mean + 1)
    squares = np.stack([np.bincount(numbered, excess[:, k] ** 2, len(sizes)) for k in range(raw.shape[1])], axis=1)
    pairs = (sizes * (sizes - 1) / 2).sum()
    # the sum of squared differences over a vote's pairs is n times the sum of squared excesses
    spread = np.sqrt((sizes[:, None] * squares).sum(axis=0) / pairs) if pairs else np.zeros(raw.shape[1])
    kept = spread > 1e-12
    return excess[:, kept] / spread[kept], [name for name, k in zip(STYLE_FEATURES, kept, strict=True) if k]


def meaning(feature: str, points: float, lower: float, upper: float) -> str:
    """A sentence saying what a coefficient means."""
    who, difference, _ = _WHAT[feature]
    if lower <= 0 <= upper:
        return (
            f"{who} win neither more nor less often, as far as these votes can tell ({points:+,.0f} rating points "
            f"per standard deviation of {difference}, and the interval includes 0)."
        )
    more = "more" if points > 0 else "less"
    return f"{who} win {more} often: {points:+,.0f} rating points per standard deviation of {difference}."


def style_table(
    names: list[str], coefficient: np.ndarray, se: np.ndarray, told: np.ndarray | None = None
) -> pd.DataFrame:
    """What each style feature is worth, in rating points per standard deviation, with its 95% interval and a
    sentence saying what it means, one row per feature: a feature no two answers differ in (not among `names`), or
    one the votes cannot tell apart from the models (`told` false), has no number, only a sentence saying so."""
    told = np.ones(len(names), dtype=bool) if told is None else told
    points, half = coefficient * SCALE_PER_LOG, Z95 * se * SCALE_PER_LOG
    rows, fitted, told_by = [], iter(zip(points, half, strict=True)), dict(zip(names, told, strict=True))
    for name in STYLE_FEATURES:
        if name not in told_by:
            rows.append({"feature": name, "points": np.nan, "lower": np.nan, "upper": np.nan,
                         "meaning": alike(name)})  # fmt: skip
        elif told_by[name]:
            p, h = next(fitted)
            rows.append({"feature": name, "points": p, "lower": p - h, "upper": p + h,
                         "meaning": meaning(name, p, p - h, p + h)})  # fmt: skip
        else:
            rows.append({"feature": name, "points": np.nan, "lower": np.nan, "upper": np.nan,
                         "meaning": confounded(name)})  # fmt: skip
    return pd.DataFrame(rows, columns=STYLE_COLUMNS)


def alike(feature: str) -> str:
    """The sentence for a feature no two answers in the votes differ in."""
    return f"Not fitted: no two answers in these votes differ in {_WHAT[feature][2]}, so there is nothing to weigh."


def confounded(feature: str) -> str:
    """The sentence for a feature the votes cannot tell apart from the models."""
    difference = _WHAT[feature][1]
    return (
        f"Left out of the fit: in these votes the {difference} follows from which models met, so what it is worth "
        f"cannot be told apart from the models' own ratings."
    )
