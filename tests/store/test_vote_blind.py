"""Each vote says whether it was cast blind; votes logged before that read as not known to be blind, and the
votes' list cells read back as lists however they were spelled."""

from __future__ import annotations

import pandas as pd

from llm_core.store.csv_store import VOTE_COLUMNS, LogStore
from llm_core.store.vote_lists import json_lists


def test_a_vote_records_whether_it_was_blind_and_is_not_blind_unless_told(tmp_path):
    store = LogStore(tmp_path)
    store.append_vote("c1", "r1", ["a", "b"], ["r1", "r2"], blind=True)
    store.append_vote("c2", "tie", ["a", "b"], ["r3", "r4"])
    assert VOTE_COLUMNS[-1] == "blind"
    assert store.read_votes().frame["blind"].tolist() == ["true", "false"]


def test_votes_logged_before_the_blind_column_read_blank(tmp_path):
    header = "timestamp,comparison_id,winner,models,request_ids,rater\r\n"
    old = header + '2026-01-01T00:00:00Z,c0,tie,"[""a"",""b""]","[""r1"",""r2""]",human\r\n'
    (tmp_path / "votes.csv").write_bytes(old.encode())
    store = LogStore(tmp_path)
    store.append_vote("c1", "r3", ["a", "b"], ["r3", "r4"], blind=True)
    votes = store.read_votes()
    assert votes.skipped == 0
    assert votes.frame["blind"].fillna("").tolist() == ["", "true"]


def test_list_cells_read_back_as_lists_whatever_their_spelling():
    cells = pd.Series(['["a", "b"]', "[]", '[ "x" ]', '["q\\"uote", 3, null]', '["b, c","d"]', "nope", '{"a": 1}'])
    decoded = json_lists(cells)
    assert decoded.iloc[:5].tolist() == [["a", "b"], [], ["x"], ['q"uote', "3", ""], ["b, c", "d"]]
    assert decoded.iloc[5:].isna().all()


def test_a_vote_whose_lists_are_not_lists_is_skipped_and_named(tmp_path):
    store = LogStore(tmp_path)
    store.append_vote("c1", "r1", ["a", "b"], ["r1", "r2"])
    with open(store.votes_path, "ab") as handle:
        handle.write(b'2026-01-01T00:00:00Z,c2,tie,not a list,"[""r1""]",human,false\r\n')
    votes = store.read_votes()
    assert votes.frame["comparison_id"].tolist() == ["c1"]
    assert votes.frame["models"][0] == ["a", "b"]
    assert votes.skipped == 1 and "c2" in votes.skip_reasons[0]
