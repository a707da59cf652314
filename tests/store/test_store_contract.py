"""The store contract: what the app, the CLI and the API rely on, on CSV, SQLite and PostgreSQL alike."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from llm_core.record import Result
from llm_core.store.csv_store import REQUEST_COLUMNS, LogEntryError, LogStore, default_store

AWKWARD = ["=1+1", "+SUM(A1)", "-2", "@x", "'quoted", "\\back", "two\r\nlines", "tab\there", "ünï 😀", "", 'a"b']


def answer(**fields) -> Result:
    """A finished response, as the engine hands it to the log."""
    values = dict(model="echo", requested_model="echo", provider="echo", prompt="hi", text="hello", status="ok")
    values.update(latency_ms=120.5, ttft_ms=40.0, prompt_tokens=3, completion_tokens=5, token_source="provider")
    values.update(fields)
    return Result(**values)


def test_the_default_store_is_the_backend_the_setting_names(any_store, backend):
    assert any_store.kind == {"csv": "CSV files", "sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]


def test_a_response_reads_back_with_every_column_typed_as_the_csv_store_types_it(any_store, isolated):
    r = answer(session_id="s1", template="summarise", cost_usd=0.0012, temperature=0.3, max_tokens=64)
    assert any_store.append_response(r) == ""
    frame = any_store.read_requests().frame
    reference = LogStore(isolated / "reference")
    reference.append_response(r)
    expected = reference.read_requests().frame
    pd.testing.assert_frame_equal(frame, expected)
    assert list(frame.columns[: len(REQUEST_COLUMNS)]) == REQUEST_COLUMNS


@pytest.mark.parametrize("text", AWKWARD)
def test_any_text_round_trips(any_store, text):
    r = answer(prompt=text, text=text, system=text)
    any_store.append_response(r)
    row = any_store.find_request(r.request_id)
    assert (row["prompt"], row["response"], row["system"]) == (text, text, text)


def test_a_lone_surrogate_is_kept_escaped_not_lost(any_store):
    r = answer(text="half \ud83d pair")
    assert any_store.append_response(r) == ""
    assert any_store.find_request(r.request_id)["response"] == "half \\ud83d pair"


def test_missing_numbers_read_as_missing(any_store):
    r = answer(latency_ms=None, prompt_tokens=None, cost_usd=None)
    any_store.append_response(r)
    row = any_store.find_request(r.request_id)
    assert row["latency_ms"] is None and row["prompt_tokens"] is None and row["cost_usd"] is None
    assert row["completion_tokens"] == 5 and math.isclose(row["ttft_ms"], 40.0)


def test_the_latest_rating_counts_and_is_joined_to_its_request(any_store):
    r = answer()
    any_store.append_response(r)
    any_store.append_rating(r.request_id, 2, "meh")
    any_store.append_rating(r.request_id, 5, "better on reflection")
    ratings = any_store.read_ratings().frame
    assert list(ratings["stars"]) == [5] and list(ratings["comment"]) == ["better on reflection"]
    row = any_store.find_request(r.request_id)
    assert (row["stars"], row["rating_comment"]) == (5, "better on reflection")
    (joined,) = any_store.read_requests().frame.to_dict("records")
    assert joined["stars"] == 5 and joined["rated_at"] == row["rated_at"]


@pytest.mark.parametrize("stars", [0, 6, 2.5, True, "4"])
def test_a_rating_outside_one_to_five_stars_is_refused(any_store, stars):
    with pytest.raises(LogEntryError, match="1 to 5 stars"):
        any_store.append_rating("r1", stars)
    assert any_store.read_ratings().frame.empty


def test_a_vote_reads_back_with_its_lists(any_store):
    any_store.append_vote("c1", "r2", ["a", "b"], ["r1", "r2"])
    any_store.append_vote("c2", "tie", ["a", "b", "c"], ["r3", "r4", "r5"])
    votes = any_store.read_votes().frame
    assert list(votes["comparison_id"]) == ["c1", "c2"] and list(votes["winner"]) == ["r2", "tie"]
    assert votes["models"].tolist() == [["a", "b"], ["a", "b", "c"]]
    assert votes["request_ids"].tolist() == [["r1", "r2"], ["r3", "r4", "r5"]]


@pytest.mark.parametrize(
    "winner, models, ids", [("r9", ["a", "b"], ["r1", "r2"]), ("tie", ["a"], ["r1"]), ("tie", ["a", "b"], ["r1"])]
)
def test_a_vote_that_cannot_be_recorded_is_refused(any_store, winner, models, ids):
    with pytest.raises(LogEntryError):
        any_store.append_vote("c1", winner, models, ids)
    assert any_store.read_votes().frame.empty


def test_an_unknown_request_is_not_found(any_store):
    any_store.append_response(answer())
    assert any_store.find_request("no-such-id") is None


def test_an_empty_log_reads_as_empty_frames_with_the_columns(any_store):
    assert list(any_store.read_requests().frame.columns[: len(REQUEST_COLUMNS)]) == REQUEST_COLUMNS
    assert any_store.read_ratings().frame.empty and any_store.read_votes().frame.empty


def test_rows_added_after_a_read_appear_in_the_next_read_and_the_version_changes(any_store):
    any_store.append_response(answer(prompt="one"))
    first = any_store.read_requests()
    again = any_store.read_requests()
    assert again.version == first.version
    any_store.append_response(answer(prompt="two"))
    later = any_store.read_requests()
    assert later.version != first.version and list(later.frame["prompt"]) == ["one", "two"]


def test_a_rating_changes_the_requests_version(any_store):
    r = answer()
    any_store.append_response(r)
    before = any_store.read_requests().version
    any_store.append_rating(r.request_id, 3)
    assert any_store.read_requests().version != before


def test_rows_written_by_another_store_object_are_read(any_store):
    other = default_store()
    r = answer()
    other.append_response(r)
    assert any_store.find_request(r.request_id)["request_id"] == r.request_id
    assert list(any_store.read_requests().frame["request_id"]) == [r.request_id]


def test_an_error_is_stored_redacted(any_store):
    r = answer(status="error", error="401 for key sk-proj-abcdefghijklmnop1234", text="")
    any_store.append_response(r)
    assert "abcdefghijklmnop1234" not in any_store.find_request(r.request_id)["error"]
