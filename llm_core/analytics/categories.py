"""Prompt categories for the per-category leaderboard: a cheap, offline heuristic on the prompt's words.

A prompt is "code" when it holds a code fence, a language or programming word ("python", "function",
"stack trace", "SQL"...) or code-like syntax (`def `, `=>`, `();`); else "maths" when it holds a maths word
("integral", "prove", "equation"...) or arithmetic between numbers ("12 * 7", "x^2"); else "writing" when it
asks for prose ("write", "essay", "poem", "email", "rewrite", "summarise"...); else "other". The first match
wins, in that order, so "write a Python function" is code. It reads only the prompt, never calls a model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

CATEGORIES = ("code", "maths", "writing", "other")
_CODE = (
    r"```|\b(?:python|javascript|typescript|java|rust|golang|c\+\+|sql|regex|bash|html|css|api|json|function"
    r"|class|method|compile|debug|bug|stack ?trace|exception|refactor|script|code)\b|\bdef |=>|\(\);|#include"
)
_MATHS = (
    r"\b(?:math|maths|mathematics|integral|derivative|equation|prove|proof|theorem|probability|algebra|geometry"
    r"|calculate|solve|matrix|prime|fraction|percent(?:age)?)\b|\d\s*[-+*/^×÷]\s*\d|\b[a-z]\^\d"
)
_WRITING = (
    r"\b(?:write|rewrite|essay|poem|story|email|letter|blog|article|summari[sz]e|summary|paraphrase|translate"
    r"|draft|tone|headline|slogan|lyrics)\b"
)


def prompt_categories(prompts: pd.Series) -> pd.Series:
    """The category of each prompt (see the module docstring), as strings aligned with `prompts`.

    Matched by Arrow's regular expressions (RE2, in C) over the whole column at once: pandas would fall back to
    Python's `re` one prompt at a time for these patterns, four seconds for a million prompts."""
    text = pa.array(prompts, pa.string(), from_pandas=True)  # missing prompts as nulls
    category = np.full(len(prompts), "other", dtype=object)
    for name, pattern in reversed((("code", _CODE), ("maths", _MATHS), ("writing", _WRITING))):
        found = pc.match_substring_regex(text, pattern, ignore_case=True).fill_null(False)
        category[found.to_numpy(zero_copy_only=False)] = name  # reversed, so the earlier category wins
    return pd.Series(category, index=prompts.index, dtype=object)
