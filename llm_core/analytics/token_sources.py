"""Where the request log's token counts came from: reported by the provider, estimated, or mixed (the prompt count
reported, the answer's estimated, as after a stream cut mid-way). Rows logged before each count had its own source
are read by their one `token_source`, which every row has."""

from __future__ import annotations

import pandas as pd

SOURCE_COLUMNS = ["token_source", "prompt_token_source", "completion_token_source"]
KINDS = {"provider": ("provider",), "estimated": ("tiktoken", "estimate"), "mixed": ("mixed",)}


def token_source_counts(frame: pd.DataFrame) -> dict[str, int]:
    """How many requests had their counts reported by the provider, estimated, or mixed."""
    counts = _sources(frame).value_counts()
    return {kind: int(sum(counts.get(source, 0) for source in sources)) for kind, sources in KINDS.items()}


def estimated_by_model(frame: pd.DataFrame) -> dict[str, int]:
    """Per model, the requests with at least one estimated count (estimated or mixed), most first; models with none
    are left out."""
    some_estimated = _sources(frame).isin([*KINDS["estimated"], *KINDS["mixed"]]).to_numpy(dtype=bool)
    counts = frame["model"][some_estimated].value_counts()
    return {str(model): int(n) for model, n in counts.items() if n}


def sources_note(frame: pd.DataFrame) -> str:
    """One sentence for the tokens tab: how the counts shown were obtained ('' when no request has counts)."""
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
    if by_model := estimated_by_model(frame):
        note += " Estimates by model: " + ", ".join(f"{model} {n:,}" for model, n in by_model.items()) + "."
    return note


def _sources(frame: pd.DataFrame) -> pd.Series:
    return frame["token_source"] if "token_source" in frame else pd.Series("", index=frame.index, dtype="object")
