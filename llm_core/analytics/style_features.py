"""What an answer looks like, for style control: its length and its Markdown, counted by regular expressions
over a whole column of answers at once (Arrow's string kernels, no Python per answer).

Counted as Chatbot Arena counts them (FastChat's style elements), with code blocks taken out first so a `#`
comment in code is no header: length in characters of the whole answer; headers, lines starting with one to six
`#` and a space; list items, lines starting with `-`, `*`, `+` or a number and `.` or `)`, then a space; bold,
spans in `**...**` or `__...__`. Arena measures length in tokens; characters need no tokenizer and rank answers
of one language the same way.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..store.texts import TextSource, last_rows, texts_of

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
    table = last_rows(requests, wanted)
    names = table["request_id"].to_numpy()
    pieces = texts_of(requests, texts, table["position"].to_numpy(), "response", STYLE_BATCH)
    parts = [pd.DataFrame(columns=list(STYLE_FEATURES), dtype=float)]
    parts += [answer_styles(answers).set_axis(names[at]) for at, answers in pieces]
    styles = pd.concat(parts) if len(parts) > 1 else parts[0]
    styles.index = pd.Index(styles.index.astype(str), name="request_id")
    return styles
