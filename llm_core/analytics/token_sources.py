"""Where the request log's token counts came from: reported by the provider, estimated, or mixed (the prompt count
reported, the answer's estimated, as after a stream cut mid-way). Rows logged before each count had its own source
are read by their one `token_source`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..store.columns import equals

SOURCE_COLUMNS = ["token_source", "prompt_token_source", "completion_token_source"]
KINDS = ("provider", "estimated", "mixed")


def source_kinds(frame: pd.DataFrame) -> pd.Series:
    """Each request's counts as "provider", "estimated", "mixed", or "" (no count: nothing was sent)."""
    source = frame["token_source"] if "token_source" in frame else pd.Series("", index=frame.index)
    kinds = np.select(
        [equals(source, "provider"), equals(source, "tiktoken") | equals(source, "estimate"), equals(source, "mixed")],
        KINDS,
        default="",
    )
    return pd.Series(kinds, index=frame.index, dtype="object")


def token_source_counts(frame: pd.DataFrame) -> dict[str, int]:
    """How many requests had their counts reported by the provider, estimated, or mixed."""
    counts = source_kinds(frame).value_counts()
    return {kind: int(counts.get(kind, 0)) for kind in KINDS}


def estimated_by_model(frame: pd.DataFrame) -> dict[str, int]:
    """Per model, the requests with at least one estimated count (estimated or mixed), most first; models with none
    are left out."""
    kinds = source_kinds(frame)
    some_estimated = kinds.isin(["estimated", "mixed"]).to_numpy()
    counts = frame.loc[some_estimated, "model"].astype(str).value_counts()
    return {str(model): int(n) for model, n in counts.items()}


def sources_note(frame: pd.DataFrame) -> str:
    """One sentence for the tokens tab: how the counts shown were obtained ('' for an empty log)."""
    counts = token_source_counts(frame)
    if not sum(counts.values()):
        return ""
    parts = [f"{counts['provider']:,} reported by the provider"]
    if counts["estimated"]:
        parts.append(f"{counts['estimated']:,} estimated (no usage report arrived)")
    if counts["mixed"]:
        parts.append(
            f"{counts['mixed']:,} mixed: the prompt count reported, the answer's estimated (a stream cut mid-way)"
        )
    note = "Token counts of these requests: " + "; ".join(parts) + "."
    by_model = estimated_by_model(frame)
    if by_model:
        note += " Estimates by model: " + ", ".join(f"{model} {n:,}" for model, n in by_model.items()) + "."
    return note
