"""Reading the log back: exact text, typed columns, damage skipped and reported, and quick refreshes."""

from __future__ import annotations

import csv
import io
import os
import threading

import pandas as pd
import pytest

from llm_core.record import Result
from llm_core.store.cells import FORMULA_STARTS, format_header, format_row, to_safe_csv
from llm_core.store.csv_store import FIRST_REQUEST_COLUMNS, REQUEST_COLUMNS, LogReadError, LogStore, response_row


def answer(**fields) -> Result:
    """A finished response, as the engine hands it to the log."""
    values = dict(model="echo", requested_model="echo", provider="echo", prompt="hi", text="hello", status="ok")
    values.update(latency_ms=120.5, ttft_ms=40.0, prompt_tokens=3, completion_tokens=5, token_source="provider")
    values.update(fields)
    return Result(**values)


def row_bytes(result: Result) -> bytes:
    """Exactly what one append writes for this result."""
    return format_row(response_row(result)).encode()


def logged_with(store: LogStore, *prompts: str) -> list[Result]:
    results = [answer(prompt=p) for p in prompts]
    for r in results:
        assert store.append_response(r) == ""
    return results


HOSTILE = {
    "newlines": "first\nsecond\n\nthird\n",
    "windows line ends": "one\r\ntwo\r\n",
    "lone carriage return": "progress 10%\rprogress 100%",
    "commas and quotes": 'a, "b", ""c"", \'d\'',
    "tabs": "col1\tcol2\t",
    "emoji": "👩🏽‍💻 ships 🚀 at 3am ✨",
    "other scripts": "日本語のテキスト · العربية · עברית · Ελληνικά · हिन्दी",
    "backslashes": r"C:\new\table \\server\r \n \\r",
    "starts with a backslash": "\\r is not a carriage return",
    "starts with a quote": "'quoted' start",
    "looks like the row end": 'x"\r\n"y\n\r\n',
    "control characters": "bell\x07 nul\x00 escape\x1b",
    "only whitespace": " \n\t ",
    "empty": "",
    "a 100 KB prompt": ('All work and no play, "said" Jack.\n' * 3000)[:100_000],
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_any_text_round_trips_exactly(text):
    store = LogStore()
    store.read_requests()  # an earlier read: the next one parses only what was appended
    r = answer(prompt=text, system=text, text=text[::-1], label=text, status="ok")
    assert store.append_response(r) == ""
    for table in (store.read_requests(), LogStore(store.directory).read_requests()):
        row = table.frame.iloc[0]
        assert (row.prompt, row.system, row.response, row.label) == (text, text, text[::-1], text)
        assert table.skipped == 0
    assert store.find_request(r.request_id)["prompt"] == text


def test_every_hostile_text_round_trips_when_a_new_process_reads_the_whole_file():
    from llm_core.store import read as logread

    store = LogStore()
    results = logged_with(store, *HOSTILE.values())
    logread.forget(store.requests_path)
    frame = store.read_requests().frame
    assert frame["prompt"].tolist() == [r.prompt for r in results]


FORMULAS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://evil","x")', "'=1"]


def test_formula_cells_are_neutralised_in_the_log_and_read_back_as_written():
    store = LogStore()
    results = [answer(prompt=f, text=f, comparison_id=f, error=f) for f in FORMULAS]
    for r in results:
        store.append_response(r)
    cells = [
        cell for row in csv.reader(io.StringIO(store.requests_path.read_text("utf-8"), newline="")) for cell in row
    ]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    frame = store.read_requests().frame
    assert frame["prompt"].tolist() == FORMULAS and frame["response"].tolist() == FORMULAS
    assert frame["comparison_id"].tolist() == FORMULAS and frame["error"].tolist() == FORMULAS


def test_a_csv_download_neutralises_formulas_and_keeps_the_text():
    store = LogStore()
    logged_with(store, *FORMULAS, 'plain, with "quotes"\nand a newline')
    store.append_rating(store.read_requests().frame.loc[0, "request_id"], 5, "=cmd|' /C calc'!A0")
    download = to_safe_csv(store.read_requests().frame)
    assert download.startswith("\ufeff".encode())  # spreadsheets read it as UTF-8
    rows = list(csv.reader(io.StringIO(download.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]
    prompts = [row[header.index("prompt")] for row in body]
    assert [p[1:] if p.startswith("'") else p for p in prompts] == [*FORMULAS, 'plain, with "quotes"\nand a newline']
    assert body[0][header.index("rating_comment")] == "'=cmd|' /C calc'!A0"
    assert float(body[0][header.index("latency_ms")]) == 120.5  # numbers stay numbers


@pytest.mark.parametrize(
    "cut",
    [
        pytest.param(lambda row: len(row) // 2, id="mid-row"),
        pytest.param(lambda row: row.index(b"\n") + 1, id="inside a quoted multi-line cell"),
        pytest.param(lambda row: len(row) - 3, id="in the last cell"),
    ],
)
def test_a_row_torn_by_a_crash_is_skipped_and_reported_and_the_next_write_starts_a_new_row(cut):
    store = LogStore()
    logged_with(store, "first", "second")
    torn = row_bytes(answer(prompt="cut off\nby a crash", label="12345"))
    with open(store.requests_path, "ab") as log:
        log.write(torn[: cut(torn)])  # what a writer killed mid-write leaves behind

    before = LogStore().read_requests()
    assert before.frame["prompt"].tolist() == ["first", "second"]
    assert before.skipped == 1 and "incomplete" in before.skip_reasons[0]

    (later,) = logged_with(store, "after the crash")
    assert store.requests_path.read_bytes().endswith(b"\r\n" + row_bytes(later))
    after = LogStore().read_requests()
    assert after.frame["prompt"].tolist() == ["first", "second", "after the crash"]
    assert after.skipped == 1 and after.skip_reasons == ["requests.csv row 4: torn (a write was cut off by a crash)"]


def test_a_large_log_read_in_parallel_blocks_still_finds_a_torn_row_in_the_middle(monkeypatch):
    """Large files are read a window at a time and parsed in blocks on several threads; damage anywhere is found."""
    monkeypatch.setattr("llm_core.store.parse.BLOCK_SIZE", 1024)
    monkeypatch.setattr("llm_core.store.read.WINDOW_BYTES", 4096)
    monkeypatch.setattr("llm_core.store.parse.PARALLEL_FROM_ROWS", 1)
    store = LogStore()
    logged_with(store, *(f"before {i}" for i in range(40)))
    torn = row_bytes(answer(prompt="cut off by a crash"))
    last_comma = torn.rindex(b",")
    with open(store.requests_path, "ab") as log:
        log.write(torn[: last_comma + 1])  # killed before the last cell: as many cells as a whole row, yet torn
    logged_with(store, *(f"after {i}" for i in range(40)))
    assert store.requests_path.stat().st_size > 8 * 1024  # many blocks

    table = LogStore().read_requests()
    prompts = table.frame["prompt"].tolist()
    assert prompts == [f"before {i}" for i in range(40)] + [f"after {i}" for i in range(40)]
    assert table.skip_reasons == ["requests.csv row 42: torn (a write was cut off by a crash)"]
    assert table.frame["latency_ms"].eq(120.5).all() and table.frame["model"].dtype == "category"


def test_a_row_cut_just_before_its_final_line_feed_is_recovered_whole():
    store = LogStore()
    logged_with(store, "first")
    almost = row_bytes(answer(prompt="complete but for the last byte"))
    with open(store.requests_path, "ab") as log:
        log.write(almost[:-1])
    logged_with(store, "next")
    table = LogStore().read_requests()
    assert table.frame["prompt"].tolist() == ["first", "complete but for the last byte", "next"]
    assert table.skipped == 0


def test_a_header_torn_by_a_crash_is_reported_and_rows_still_read():
    store = LogStore()
    store.directory.mkdir()
    store.requests_path.write_bytes(format_header(REQUEST_COLUMNS).encode()[:30])
    logged_with(store, "first row")
    table = store.read_requests()
    assert table.frame["prompt"].tolist() == ["first row"]
    assert table.skipped == 1 and "header" in table.skip_reasons[0]


def test_a_file_written_by_the_first_version_still_reads_and_keeps_growing():
    store = LogStore()
    store.directory.mkdir()
    old = answer(prompt="from the old version")
    old_row = dict(zip(REQUEST_COLUMNS, response_row(old), strict=True))
    store.requests_path.write_text(
        format_header(FIRST_REQUEST_COLUMNS) + format_row(old_row[c] for c in FIRST_REQUEST_COLUMNS), newline=""
    )
    store.append_response(answer(prompt="from this version", finish_reason="stop"))
    table = store.read_requests()
    frame = table.frame
    assert table.skipped == 0 and list(frame.columns[: len(REQUEST_COLUMNS)]) == REQUEST_COLUMNS
    assert frame["prompt"].tolist() == ["from the old version", "from this version"]
    assert frame["latency_ms"].tolist() == [120.5, 120.5]
    assert pd.isna(frame.loc[0, "attempts"]) and frame.loc[1, "attempts"] == 0
    assert frame["finish_reason"].tolist() == ["", "stop"] and frame.loc[0, "label"] == ""


def test_a_file_from_a_newer_version_keeps_its_extra_columns():
    store = LogStore()
    store.directory.mkdir()
    cells = response_row(answer(prompt="from the future"))
    store.requests_path.write_text(
        format_header([*REQUEST_COLUMNS, "carbon_g"]) + format_row([*cells, 0.4]), newline=""
    )
    logged_with(store, "from today")
    frame = store.read_requests().frame
    assert frame["prompt"].tolist() == ["from the future", "from today"]
    assert frame["carbon_g"].tolist() == ["0.4", ""]


def test_rows_that_are_damaged_in_other_ways_are_skipped_and_reported():
    store = LogStore()
    logged_with(store, "good one")
    with open(store.requests_path, "a", newline="") as log:
        log.write('"2025-01-01T00:00:00+00:00","only","three fields"\r\n')
        log.write(format_row(["not a time", *response_row(answer(prompt="bad time"))[1:]]))
    logged_with(store, "good two")
    table = store.read_requests()
    assert table.frame["prompt"].tolist() == ["good one", "good two"]
    assert table.skipped == 2
    assert any("3 fields" in reason for reason in table.skip_reasons)
    assert any("unreadable timestamp" in reason and "not a time" in reason for reason in table.skip_reasons)


def test_a_file_that_is_not_a_switchboard_log_is_refused_with_a_clear_message():
    store = LogStore()
    store.directory.mkdir()
    store.requests_path.write_text("name,age\r\nada,36\r\n")
    with pytest.raises(LogReadError, match="not a Switchboard log"):
        store.read_requests()


def test_requests_come_back_typed_with_their_latest_rating():
    store = LogStore()
    first, second = logged_with(store, "rate me", "leave me")
    store.append_rating(first.request_id, 2, "too long")
    store.append_rating(first.request_id, 5, "on reflection, great")
    table = store.read_requests()
    frame = table.frame
    assert str(frame["timestamp"].dtype) == "datetime64[us, UTC]"
    assert frame["latency_ms"].dtype == "float64" and frame["prompt_tokens"].dtype == "Int64"
    assert {frame[c].dtype.name for c in ("provider", "model", "status", "token_source")} == {"category"}
    assert frame["timestamp"].iloc[0] == pd.Timestamp(first.timestamp)
    assert frame["stars"].tolist() == [5, pd.NA] and frame["rating_comment"].tolist() == ["on reflection, great", ""]
    assert frame["rated_at"].notna().tolist() == [True, False]
    ratings = store.read_ratings().frame
    assert ratings[["request_id", "stars"]].values.tolist() == [[first.request_id, 5]]
    assert store.find_request(second.request_id)["stars"] is None
    assert store.find_request("no-such-id") is None


def test_a_refresh_shows_new_rows_and_a_replaced_or_truncated_file_is_read_again_whole():
    store = LogStore()
    logged_with(store, "one", "two")
    assert store.read_requests().frame["prompt"].tolist() == ["one", "two"]
    logged_with(store, "three")
    assert store.read_requests().frame["prompt"].tolist() == ["one", "two", "three"]

    replacement = store.directory / "replacement.csv"
    replacement.write_bytes(format_header(REQUEST_COLUMNS).encode() + row_bytes(answer(prompt="restored backup")))
    os.replace(replacement, store.requests_path)
    assert store.read_requests().frame["prompt"].tolist() == ["restored backup"]

    with open(store.requests_path, "r+b") as log:
        log.truncate(len(format_header(REQUEST_COLUMNS)))
    logged_with(store, "a fresh start", "and more rows than before")
    assert store.read_requests().frame["prompt"].tolist() == ["a fresh start", "and more rows than before"]


def test_a_file_rewritten_in_place_with_more_rows_is_read_again_whole():
    store = LogStore()
    logged_with(store, "original")
    store.read_requests()
    edited = format_header(REQUEST_COLUMNS).encode() + b"".join(row_bytes(answer(prompt=p)) for p in ("ed", "it"))
    with open(store.requests_path, "r+b") as log:  # same file, same inode: an editor saving in place
        log.write(edited)
    assert store.read_requests().frame["prompt"].tolist() == ["ed", "it"]


def test_readers_never_see_half_a_row_while_writers_append():
    store = LogStore()
    big = "x" * 50_000
    done = threading.Event()
    seen: list[tuple[bool, list[str]]] = []

    written: list[int] = []

    def write() -> None:  # at least 150 rows, and on until the readers have looked often enough
        i = 0
        while i < 150 or (len(seen) <= 10 and i < 3000):
            store.append_response(answer(prompt=f"{i} {big}"))
            i += 1
        written.append(i)
        done.set()

    def read() -> None:
        while not done.is_set():
            table = LogStore(store.directory).read_requests()
            seen.append(((table.frame["prompt"].str.len() > len(big)).all(), table.skip_reasons))

    threads = [threading.Thread(target=write), threading.Thread(target=read), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = store.read_requests()
    assert len(final.frame) == written[0] and final.skipped == 0
    assert len(seen) > 10 and all(intact for intact, _ in seen)
    # At most the row being written shows up, as incomplete, while it is being written.
    assert all(len(reasons) <= 1 and all("incomplete" in r for r in reasons) for _, reasons in seen)
