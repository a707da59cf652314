"""Each vote names who cast it (a person, or an automatic judge), and votes logged before that read as a person's."""

from __future__ import annotations

import pytest

from llm_core.store.csv_store import VOTE_COLUMNS, LogEntryError, LogStore


def test_a_vote_is_a_humans_unless_a_rater_is_named(tmp_path):
    store = LogStore(tmp_path)
    store.append_vote("c1", "r1", ["a", "b"], ["r1", "r2"])
    store.append_vote("c2", "tie", ["a", "b"], ["r3", "r4"], rater="judge:gpt-4.1")
    assert store.read_votes().frame["rater"].tolist() == ["human", "judge:gpt-4.1"]
    assert VOTE_COLUMNS[5] == "rater"  # columns only grow at the end


def test_votes_logged_before_the_rater_column_read_as_human(tmp_path):
    header = "timestamp,comparison_id,winner,models,request_ids\r\n"
    old = header + '2026-01-01T00:00:00Z,c0,tie,"[""a"",""b""]","[""r1"",""r2""]"\r\n'
    (tmp_path / "votes.csv").write_bytes(old.encode())
    store = LogStore(tmp_path)
    store.append_vote("c1", "r3", ["a", "b"], ["r3", "r4"], rater="judge:claude")
    votes = store.read_votes()
    assert votes.skipped == 0
    assert votes.frame[["comparison_id", "rater"]].values.tolist() == [["c0", "human"], ["c1", "judge:claude"]]


@pytest.mark.parametrize("rater", ["", "  ", None])
def test_a_vote_without_a_rater_is_refused(tmp_path, rater):
    with pytest.raises(LogEntryError, match="rater"):
        LogStore(tmp_path).append_vote("c1", "r1", ["a", "b"], ["r1", "r2"], rater=rater)
