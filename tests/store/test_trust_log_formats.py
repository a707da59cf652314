"""A log saved by another program (an editor, a spreadsheet, the app's own download) still shows its whole history,
and the next row logged never damages the rows before it."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable

import pandas as pd
import pytest

from llm_core.record import Result
from llm_core.store import read as logread
from llm_core.store.cells import decode_cell, to_safe_csv
from llm_core.store.csv_store import FIRST_REQUEST_COLUMNS, REQUEST_COLUMNS, LogStore, Table

MARKER = "MARKER"  # a word in one row of each file, for tests that damage exactly that row


def answer(**fields) -> Result:
    """A finished response, as the engine hands it to the log."""
    values = dict(model="echo", requested_model="echo", provider="echo", prompt="hi", text="hello", status="ok")
    values.update(latency_ms=120.5, ttft_ms=40.0, prompt_tokens=3, completion_tokens=5, token_source="provider")
    values.update(fields)
    return Result(**values)


def log_a_history(store: LogStore) -> None:
    """Rows in all three files, with text that trips up naive CSV handling (line feeds, CRs, quotes, formulas)."""
    first = answer(prompt="first line\nsecond line", text='a, "quoted" answer\n\nwith a blank line')
    second = answer(prompt=f"=SUM(A1) {MARKER}", text="progress 10%\rprogress 100%", system="\\frac{1}{2}")
    third = answer(prompt="日本語 🚀", text="'quoted start", cost_usd=0.0012)
    for result in (first, second, third):
        assert store.append_response(result) == ""
    store.append_rating(first.request_id, 4, "clear,\nbut long")
    store.append_rating(second.request_id, 2, f"wrong {MARKER}")
    store.append_rating(third.request_id, 5, "")
    store.append_vote("c1", first.request_id, ["echo", "echo-outline"], [first.request_id, second.request_id])
    store.append_vote("c2", "tie", ["echo", f"echo-{MARKER}"], [second.request_id, third.request_id])
    store.append_vote("c3", "both_bad", ["echo", "echo-outline"], [first.request_id, third.request_id])


def log_one_more(store: LogStore, file: str) -> None:
    """One more row in the given file, the way the app logs it."""
    if file == "requests.csv":
        assert store.append_response(answer(prompt="logged after the edit")) == ""
    elif file == "ratings.csv":
        store.append_rating("after-the-edit", 3, "logged after the edit")
    else:
        store.append_vote("c-after", "tie", ["echo", "echo-outline"], ["r1", "r2"])


READ: dict[str, Callable[[LogStore], Table]] = {
    "requests.csv": LogStore.read_requests,
    "ratings.csv": LogStore.read_ratings,
    "votes.csv": LogStore.read_votes,
}
FILES = list(READ)


def read_afresh(store: LogStore, file: str) -> Table:
    """What a new process reads (nothing remembered from earlier reads)."""
    for path in (store.requests_path, store.ratings_path, store.votes_path):
        logread.forget(path)
    return READ[file](LogStore(store.directory))


def lf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n")  # the log never holds a raw CR inside a cell, so these are all row ends


SAVED_BY_ANOTHER_PROGRAM = {
    "LF line ends": lf,
    "UTF-8 BOM": lambda raw: codecs.BOM_UTF8 + raw,
    "UTF-8 BOM and LF line ends": lambda raw: codecs.BOM_UTF8 + lf(raw),
    "UTF-16 (Notepad's Unicode)": lambda raw: raw.decode("utf-8").encode("utf-16"),
    "UTF-16 with LF line ends": lambda raw: lf(raw).decode("utf-8").encode("utf-16"),
    "UTF-16 big-endian without a BOM": lambda raw: raw.decode("utf-8").encode("utf-16-be"),
    "LF line ends and no final line end": lambda raw: lf(raw)[:-1],
}


@pytest.fixture(params=FILES)
def file(request) -> str:
    return request.param


@pytest.mark.parametrize("saved", SAVED_BY_ANOTHER_PROGRAM.values(), ids=SAVED_BY_ANOTHER_PROGRAM.keys())
def test_a_log_saved_by_another_program_shows_its_whole_history(store, file, saved):
    log_a_history(store)
    before = read_afresh(store, file)
    path = store.directory / file
    path.write_bytes(saved(path.read_bytes()))
    after = read_afresh(store, file)
    pd.testing.assert_frame_equal(after.frame, before.frame)
    assert after.skipped == 0 and after.skip_reasons == []


@pytest.mark.parametrize("saved", SAVED_BY_ANOTHER_PROGRAM.values(), ids=SAVED_BY_ANOTHER_PROGRAM.keys())
def test_logging_to_a_log_saved_by_another_program_keeps_every_earlier_row(store, file, saved):
    log_a_history(store)
    before = read_afresh(store, file)
    path = store.directory / file
    foreign = saved(path.read_bytes())
    path.write_bytes(foreign)
    READ[file](store)  # the running app had read it, as the Analytics page does
    log_one_more(store, file)
    log_one_more(store, file)
    for after in (READ[file](store), read_afresh(store, file)):
        assert after.skipped == 0 and after.skip_reasons == []
        pd.testing.assert_frame_equal(after.frame.iloc[: len(before.frame)], before.frame)
        assert len(after.frame) == len(before.frame) + 2 - (file == "ratings.csv")  # one id rated twice counts once
    kept = [p for p in store.directory.iterdir() if p != path and p.is_file() and p.read_bytes() == foreign]
    assert kept, "the file as the other program saved it is kept beside the log"


def test_a_log_already_broken_by_an_append_to_its_lf_rows_reads_again(store):
    """What appending to an LF file did before: LF rows, then LF CRLF (closing a 'torn' row), then CRLF rows."""
    log_a_history(store)
    before = read_afresh(store, "requests.csv")
    raw = store.requests_path.read_bytes()
    header_and_two, last = raw[: raw.rindex(b"\r\n", 0, -2) + 2], raw[raw.rindex(b"\r\n", 0, -2) + 2 :]
    store.requests_path.write_bytes(lf(header_and_two) + b"\n\r\n" + last)
    after = read_afresh(store, "requests.csv")
    pd.testing.assert_frame_equal(after.frame, before.frame)
    assert after.skipped == 0


def test_the_apps_own_download_saved_as_the_log_reads_back_and_keeps_growing(store):
    log_a_history(store)
    before = read_afresh(store, "requests.csv")
    store.requests_path.write_bytes(to_safe_csv(before.frame))  # UTF-8 with a BOM, raw CRs, three more columns
    after = read_afresh(store, "requests.csv")
    pd.testing.assert_frame_equal(after.frame, before.frame)
    assert after.skipped == 0
    log_one_more(store, "requests.csv")
    grown = read_afresh(store, "requests.csv")
    pd.testing.assert_frame_equal(grown.frame.iloc[:3], before.frame)
    assert grown.frame["prompt"].tolist()[-1] == "logged after the edit" and grown.skipped == 0


def with_a_windows_1252_byte(raw: bytes) -> bytes:
    """The marker row edited in a program that saved 'é' as the single byte 0xE9."""
    assert raw.count(MARKER.encode()) == 1
    return raw.replace(MARKER.encode(), "café".encode("cp1252"))


MARKED_ROW = {"requests.csv": 3, "ratings.csv": 3, "votes.csv": 3}  # the header is row 1


def marked_cell(table: Table, file: str) -> str:
    frame = table.frame
    if file == "requests.csv":
        return frame["prompt"].iloc[1]
    if file == "ratings.csv":
        return frame["comment"].iloc[1]
    return frame["models"].iloc[1][1]


@pytest.mark.parametrize("line_ends", [bytes, lf], ids=["CRLF", "LF"])
def test_a_byte_that_is_not_utf8_is_read_as_a_replacement_and_reported_with_its_file_and_row(store, file, line_ends):
    log_a_history(store)
    path = store.directory / file
    path.write_bytes(line_ends(with_a_windows_1252_byte(path.read_bytes())))
    for moment in ("before", "after logging more"):
        table = read_afresh(store, file)
        assert "caf\ufffd" in marked_cell(table, file), moment
        assert table.skipped == 0 and len(table.frame) == 3 + (moment != "before"), moment
        assert any(f"{file} row {MARKED_ROW[file]}" in note and "not UTF-8" in note for note in table.notes), moment
        log_one_more(store, file)


def test_a_row_that_cannot_be_read_in_an_lf_log_is_reported_with_its_file_and_row(store):
    log_a_history(store)
    with open(store.requests_path, "a", newline="") as log:
        log.write('"2025-01-01T00:00:00+00:00","only","three fields"\r\n')
    store.requests_path.write_bytes(lf(store.requests_path.read_bytes()))
    table = read_afresh(store, "requests.csv")
    assert len(table.frame) == 3 and table.skipped == 1
    widths = f"{len(FIRST_REQUEST_COLUMNS)} to {len(REQUEST_COLUMNS)}"
    assert table.skip_reasons == [f"requests.csv row 5: 3 fields where {widths} were expected"]


def test_a_value_that_cannot_be_read_is_reported_with_its_file_and_row(store):
    log_a_history(store)
    raw = store.requests_path.read_bytes()
    rows = raw.split(b"\r\n")
    rows[2] = b'"not a time"' + rows[2][rows[2].index(b",") :]
    store.requests_path.write_bytes(b"\r\n".join(rows))
    table = read_afresh(store, "requests.csv")
    assert table.skipped == 1
    assert any("requests.csv row 3" in r and "unreadable timestamp" in r for r in table.skip_reasons)


def test_a_lone_surrogate_is_kept_recoverable_and_shown_marked_rather_than_as_a_question_mark(store):
    lone = "half an emoji \udfff here"
    typed = "a user who typed \\udfff literally"
    assert store.append_response(answer(prompt=lone, text=typed)) == ""
    raw = store.requests_path.read_bytes()
    assert b"?" not in raw
    stored = dict(next(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline=""))))
    assert decode_cell(stored["prompt"]) == lone and decode_cell(stored["response"]) == typed  # exact, on disk
    table = read_afresh(store, "requests.csv")
    # Arrow and pandas text cannot hold a lone surrogate, so the frame shows its escape, and says so.
    assert table.frame["prompt"].tolist() == ["half an emoji \\udfff here"]
    assert table.frame["response"].tolist() == [typed] and table.skipped == 0
    assert any("requests.csv row 2" in n and "lone surrogate" in n and "prompt" in n for n in table.notes)
    assert b"\\udfff" in to_safe_csv(table.frame)  # and the download still works
