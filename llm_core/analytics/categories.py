"""Prompt categories for the per-category leaderboard: a cheap, offline heuristic on the prompt's words.

A prompt is "code" when it holds a code fence, a language or programming word ("python", "function",
"stack trace", "SQL"...) or code-like syntax (`def `, `=>`, `();`); else "maths" when it holds a maths word
("integral", "prove", "equation"...) or arithmetic between numbers ("12 * 7", "x^2"); else "writing" when it
asks for prose ("write", "essay", "poem", "email", "rewrite", "summarise"...); else "other". The first match
wins, in that order, so "write a Python function" is code. It reads only the prompt, never calls a model.
"""

from __future__ import annotations

import pandas as pd

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
    """The category of each prompt (see the module docstring), as strings aligned with `prompts`."""
    text = prompts.astype(object).fillna("").astype(str).str.lower()
    category = pd.Series("other", index=prompts.index, dtype=object)
    for name, pattern in reversed((("code", _CODE), ("maths", _MATHS), ("writing", _WRITING))):
        category[text.str.contains(pattern, regex=True)] = name  # reversed, so the earlier category wins
    return category
