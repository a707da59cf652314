"""Votes turned into battles: one row per pair of models a vote compared, built a whole column at a time.

A vote with a chosen answer gives one battle of the winner against each other pane (a pane of the winner's own
model is no battle); a tie or "both bad" gives a tie between every pair of panes. The battles of one vote keep
its number (`vote`), so the ranking model can put the vote back together as one choice among its panes (see
`choice_model`). The votes' list cells are flattened by Arrow and the models are integer codes throughout: no
Python runs per vote, so 200,000 votes take a fraction of a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..store.vote_lists import LIST_OF_TEXT, json_lists

TIE_OUTCOMES = ("tie", "both_bad")
DEFAULT_RATER = "human"
BATTLE_COLUMNS = ["vote", "timestamp", "model_a", "model_b", "request_a", "request_b", "outcome", "rater", "blind"]


def _lists(column: pd.Series) -> pa.ListArray:
    """A votes column of lists (Arrow lists from the log store, Python lists, or JSON text) as one Arrow array."""
    if isinstance(column.dtype, pd.ArrowDtype) and pa.types.is_list(column.dtype.pyarrow_dtype):
        found = pa.array(column.array)
    elif len(column) and all(isinstance(value, str) for value in column):
        found = pa.array(json_lists(column).array)
    else:
        found = pa.array([_as_list(value) for value in column], LIST_OF_TEXT)
    found = found.combine_chunks() if isinstance(found, pa.ChunkedArray) else found
    return found.cast(LIST_OF_TEXT) if found.type != LIST_OF_TEXT else found


def _as_list(value: object) -> list[str]:
    """One cell as a list of strings: a list (or array) as it is, JSON text decoded, anything else empty."""
    if isinstance(value, str):
        value = json_lists(pd.Series([value])).iloc[0]
    if isinstance(value, list | tuple | np.ndarray):
        return ["" if item is None else str(item) for item in value]
    return []


def _flat(lists: pa.ListArray) -> tuple[np.ndarray, pa.Array]:
    """Each vote's number of items and all items in order (a missing list has none)."""
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    return lengths, pc.fill_null(pc.list_flatten(lists), "")


def _aligned_requests(models: np.ndarray, ids: pa.ListArray) -> pa.Array:
    """One request id per pane: votes from before request ids were logged have none ("")."""
    lengths, flat = _flat(ids)
    if np.array_equal(lengths, models):
        return flat
    rows = ids.to_pylist()
    padded = [(list(row or []) + [""] * panes)[:panes] for row, panes in zip(rows, models.tolist(), strict=True)]
    return pa.array([item or "" for row in padded for item in row], pa.string())


def _texts(column: pd.Series | None, size: int, default: str) -> np.ndarray:
    """A column of the votes as strings, `default` where it is missing or blank."""
    if column is None:
        return np.full(size, default, dtype=object)
    codes, distinct = pd.factorize(column)  # a few distinct values in many rows (raters): each worked out once
    distinct = np.array([default if value == "" else str(value) for value in distinct] + [default], dtype=object)
    return distinct[codes]


def _winners(column: pd.Series) -> pa.Array:
    """The votes' winners (a request id, a model in older votes, or a tie outcome) as Arrow text, "" when blank."""
    values = pa.array(column.array) if isinstance(column.dtype, pd.ArrowDtype | pd.StringDtype) else None
    if values is None or not pa.types.is_string(values.type):
        values = pa.array(column.astype(object).where(column.notna(), None).astype(object).tolist(), pa.string())
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return pc.fill_null(values, "")


def _blind(votes: pd.DataFrame) -> np.ndarray:
    """Whether each vote was cast without seeing the models; votes from before the column are not known to be."""
    if "blind" not in votes:
        return np.zeros(len(votes), dtype=bool)
    codes, distinct = pd.factorize(votes["blind"])
    return np.r_[np.asarray(distinct, dtype=object) == "true", False][codes]


def _chosen_pane(vote: np.ndarray, request: pa.Array, model: np.ndarray, winner: pa.Array, winner_model: np.ndarray):
    """The pane each vote chose (its first pane answering with the winning request id, or, in votes older than
    request ids, showing the winning model), -1 when none."""
    pane = np.arange(len(vote))
    winners = pc.take(winner, pa.array(vote))
    by_id = pc.and_(pc.not_equal(request, ""), pc.equal(request, winners)).to_numpy(zero_copy_only=False)
    by_model = model == winner_model[vote]
    chosen = np.full(len(winner), -1)
    for found in (by_model, by_id):  # the id wins where both find a pane
        first = np.full(len(winner), len(vote))
        np.minimum.at(first, vote[found], pane[found])
        chosen = np.where(first < len(vote), first, chosen)
    return chosen


def _pane_pairs(vote: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of panes (i < j) of the same vote."""
    first = np.repeat(np.arange(len(vote)), sizes[vote])
    offset = np.arange(len(first)) - np.repeat(np.cumsum(sizes[vote]) - sizes[vote], sizes[vote])
    second = starts[vote[first]] + offset
    keep = first < second
    return first[keep], second[keep]


def battles_from_votes(votes: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of models a vote compared: who faced whom, with which requests, and the outcome
    (`model_a` won, `tie`, or `both_bad`); with the vote's number, time, rater and whether it was blind. Votes
    whose winner cannot be found are left out. Models and raters come back as categories."""
    if votes.empty:
        return pd.DataFrame(columns=BATTLE_COLUMNS)
    sizes, model_items = _flat(_lists(votes["models"]))
    request = _aligned_requests(sizes, _lists(votes["request_ids"]))
    encoded = pc.dictionary_encode(model_items)
    model = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    names = pd.Index(encoded.dictionary.to_numpy(zero_copy_only=False).astype(object))
    vote = np.repeat(np.arange(len(votes)), sizes)
    starts = np.cumsum(sizes) - sizes
    winner = _winners(votes["winner"])
    kind = pc.fill_null(pc.index_in(winner, value_set=pa.array(TIE_OUTCOMES)), -1).to_numpy(zero_copy_only=False)
    tie = kind >= 0  # which tie outcome, for a tie
    winner_model = pc.fill_null(pc.index_in(winner, value_set=encoded.dictionary), -1)
    chosen = _chosen_pane(vote, request, model, winner, winner_model.to_numpy(zero_copy_only=False))
    chosen[tie] = -1
    decided = (chosen[vote] >= 0) & (model != model[np.maximum(chosen[vote], 0)])
    won = chosen[vote[decided]]
    tie_a, tie_b = _pane_pairs(vote, starts, sizes)
    tied = tie[vote[tie_a]] & (model[tie_a] != model[tie_b])
    side_a = np.r_[won, tie_a[tied]].astype(np.int64)
    side_b = np.r_[np.flatnonzero(decided), tie_b[tied]].astype(np.int64)
    order = np.argsort(vote[side_a], kind="stable")
    side_a, side_b = side_a[order], side_b[order]
    number = vote[side_a]
    outcome = pd.Categorical.from_codes(kind[number] + 1, categories=["model_a", *TIE_OUTCOMES])

    def models_of(side: np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(model[side], categories=names)

    def requests_of(side: np.ndarray) -> pd.arrays.ArrowExtensionArray:
        return pd.arrays.ArrowExtensionArray(pc.take(request, pa.array(side)))

    battles = pd.DataFrame(
        {
            "vote": number,
            "timestamp": votes["timestamp"].array.take(number),
            "model_a": models_of(side_a),
            "model_b": models_of(side_b),
            "request_a": requests_of(side_a),
            "request_b": requests_of(side_b),
            "outcome": outcome.remove_unused_categories(),
            "rater": pd.Categorical(_texts(votes.get("rater"), len(votes), DEFAULT_RATER)[number]),
            "blind": _blind(votes)[number],
        }
    )
    return battles[BATTLE_COLUMNS]
