"""Word-level differences between two answers, ignoring how the words are spaced."""

from __future__ import annotations

import difflib
import re

_WORD = re.compile(r"\S+\s*")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level differences turning old into new: runs of ('equal' | 'delete' | 'insert', text)."""
    a, b = _WORD.findall(old.strip()), _WORD.findall(new.strip())
    matcher = difflib.SequenceMatcher(None, [w.strip() for w in a], [w.strip() for w in b], autojunk=False)
    runs: list[tuple[str, str]] = []

    def emit(op: str, words: list[str]) -> None:
        if not words:
            return
        if runs and runs[-1][0] == op:
            runs[-1] = (op, runs[-1][1] + "".join(words))
        else:
            runs.append((op, "".join(words)))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            emit("equal", b[j1:j2])
        else:
            emit("delete", a[i1:i2])
            emit("insert", b[j1:j2])
    return runs
