"""What an answer looks like, for style control: its length and its Markdown, counted by regular expressions
over a whole column of answers at once (Arrow's string kernels, no Python per answer).

Counted as Chatbot Arena counts them (FastChat's style elements), with code blocks taken out first so a `#`
comment in code is no header: length in characters of the whole answer; headers, lines starting with one to six
`#` and a space; list items, lines starting with `-`, `*`, `+` or a number and `.` or `)`, then a space; bold,
spans in `**...**` or `__...__`. Arena measures length in tokens; characters need no tokenizer and rank answers
of one language the same way.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..store.texts import TextSource, with_texts

STYLE_FEATURES = ("length", "headers", "lists", "bold")
STYLE_BATCH = 5_000  # answers looked up and counted at a time
_CODE_BLOCK = r"(?s)```.*?```"
_COUNTED = {
    "headers": r"(?m)^#{1,6}[ \t]",
    "lists": r"(?m)^[ \t]*(?:[-*+]|\d+[.)])[ \t]",
    "bold": r"\*\*[^*\n]+\*\*|__[^_\n]+__",
}


def answer_styles(texts: pd.Series) -> pd.DataFrame:
    """Length and Markdown counts of each answer (see the module docstring), aligned with `texts`; a missing
    answer has none of them."""
    text = pa.array(texts.astype(object).where(texts.notna(), None), pa.string())
    prose = pc.replace_substring_regex(text, _CODE_BLOCK, "")
    counts = {"length": pc.utf8_length(text)}
    counts |= {name: pc.count_substring_regex(prose, pattern) for name, pattern in _COUNTED.items()}
    return pd.DataFrame(
        {name: counts[name].to_numpy(zero_copy_only=False).astype(float) for name in STYLE_FEATURES},
        index=texts.index,
    )


def styles_by_request(
    requests: pd.DataFrame, wanted: pd.Series | None = None, texts: TextSource | None = None
) -> pd.DataFrame:
    """The style of each logged answer, indexed by request id; only the ids in `wanted` when given, so the counting
    costs what the board needs. `requests` has each request's `request_id` and either its `response` or, when it
    was read without its texts, their `texts`: the answers are then read a batch at a time and only their counts
    are kept, so a board never holds the answers it styles."""
    ids = requests["request_id"]
    present = np.asarray(ids.notna() & (ids.astype(str) != ""), dtype=bool)
    table = pd.DataFrame({"request_id": ids[present].astype(str).to_numpy(), "position": np.flatnonzero(present)})
    table = table.drop_duplicates("request_id", keep="last")
    if wanted is not None:
        keep = pc.is_in(pa.array(table["request_id"], pa.string()), value_set=pa.array(wanted.astype(str), pa.string()))
        table = table[np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool)]
    table = table.sort_values("position")  # rows near each other are read together
    batches = _scanned(requests, table, texts) if _dense(requests, table, texts) else _looked_up(requests, table, texts)
    parts = [pd.DataFrame(columns=list(STYLE_FEATURES), dtype=float), *batches]
    styles = pd.concat(parts) if len(parts) > 1 else parts[0]
    styles.index = pd.Index(styles.index.astype(str), name="request_id")
    return styles


def _dense(requests: pd.DataFrame, table: pd.DataFrame, texts: TextSource | None) -> bool:
    """Whether most of the log's answers are wanted: then one pass over all its texts reads each part once, where
    looking rows up would parse the same stretch of the file again for every batch."""
    return texts is not None and "response" not in requests and 2 * len(table) >= len(requests)


def _looked_up(requests: pd.DataFrame, table: pd.DataFrame, texts: TextSource | None) -> Iterator[pd.DataFrame]:
    """The wanted answers' style, their rows read STYLE_BATCH at a time."""
    for start in range(0, len(table), STYLE_BATCH):
        rows = table.iloc[start : start + STYLE_BATCH]
        answers = with_texts(requests, texts, rows["position"].to_numpy(), ["response"])["response"]
        yield answer_styles(answers).set_axis(rows["request_id"].to_numpy())


def _scanned(requests: pd.DataFrame, table: pd.DataFrame, texts: TextSource) -> Iterator[pd.DataFrame]:
    """The wanted answers' style, from one pass over all the log's answers, a chunk at a time."""
    wanted_at = np.full(len(requests), -1)
    wanted_at[table["position"].to_numpy()] = np.arange(len(table))
    names = table["request_id"].to_numpy()
    for chunk in texts.chunks(["response"]):
        found = wanted_at[chunk.index.to_numpy()]
        picked = found >= 0
        if picked.any():
            yield answer_styles(chunk["response"][picked]).set_axis(names[found[picked]])
