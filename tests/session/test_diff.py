"""The word-level diff of two answers."""

from llm_core.session.diff import word_diff


def test_word_diff_rebuilds_both_texts_and_ignores_spacing():
    old, new = "The quick brown fox\njumps over the dog.", "The  slow brown fox jumps over the lazy dog."
    runs = word_diff(old, new)
    assert "".join(t for op, t in runs if op != "insert").split() == old.split()
    assert "".join(t for op, t in runs if op != "delete").split() == new.split()
    assert ("delete", "quick ") in runs and ("insert", "slow ") in runs and ("insert", "lazy ") in runs
    assert word_diff("same  words\nhere", "same words here") == [("equal", "same words here")]
