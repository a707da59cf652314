"""Reading the request log's columns the same way in every analytics module: masks, numbers, models, shares."""

from __future__ import annotations

import numpy as np
import pandas as pd


def equals(column: pd.Series, value: str) -> np.ndarray:
    """A boolean mask of the rows whose `column` is `value`; a missing value never matches."""
    return np.asarray((column == value).fillna(False), dtype=bool)


def floats(frame: pd.DataFrame, column: str) -> np.ndarray:
    """`column` as float64, with anything unreadable or missing as NaN."""
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def models(frame: pd.DataFrame) -> pd.Series:
    """The model column as a category, so grouping by model stays cheap."""
    return frame["model"].astype("category")


def model_rows(table: pd.DataFrame) -> pd.DataFrame:
    """A table indexed by model, with the model back as a plain string column."""
    table.index = table.index.astype(str).rename("model")
    return table.reset_index()


def shares(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The count of rows for each combination of `by` (starting with model), and its share of that model's rows."""
    counts = table.groupby(by, observed=True).size().rename("count").reset_index().astype({name: str for name in by})
    counts["share"] = counts["count"] / counts.groupby("model")["count"].transform("sum")
    return counts.sort_values(by, ignore_index=True)
