"""Every kind of value a log holds reads back from SQLite and PostgreSQL exactly as the CSV store reads it.

The database store fetches a table as Arrow columns (fetch.py: by ADBC's drivers, or else PostgreSQL's COPY parsed
as CSV and SQLite's cursor a batch at a time), so what the CSV reader gets right by construction is checked here
against it: times in any zone, floats at their extremes, integers past 2**53 and missing ones, texts with commas,
quotes, line ends, formula starts and emoji, categories, across batch boundaries.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pyarrow as pa
import pytest

from llm_core.analytics.summary import PAGE_COLUMNS
from llm_core.record import Result
from llm_core.store import database, fetch
from llm_core.store.csv_store import LogStore, default_store

TEXTS = ["a, b", 'say "hi"', "one\ntwo", "crlf\r\nend", "=SUM(A1)", "-1", "\\back", "ünï 😀 日本語", "", "half \ud83d"]
FLOATS = [0.1, 1e-300, 1.7976931348623157e308, -0.0, 123456.789, None]
INTS = [0, 2**53 + 1, -7, None]
ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]


@pytest.fixture(autouse=True)
def every_read_by_adbc(monkeypatch):
    """SQLite's ADBC reader for reads of any length here (it takes only long ones, where a process pays off)."""
    monkeypatch.setattr(database, "READER_ROWS", 0)


def awkward(i: int) -> Result:
    text = TEXTS[i % len(TEXTS)]
    moment = datetime(2025, 3, 30, 1, 59, 59, 123456 + i, tzinfo=ZONES[i % len(ZONES)])
    return Result(
        timestamp=moment, model=f"model-{i % 3}", requested_model="auto", provider=["openai", "groq"][i % 2],
        prompt=text, text=TEXTS[(i + 3) % len(TEXTS)], system=text, status=["ok", "error"][i % 2],
        error=text if i % 2 else "", template=["", "summarise"][i % 2], session_id=f"s{i % 4}",
        latency_ms=FLOATS[i % len(FLOATS)], cost_usd=FLOATS[(i + 1) % len(FLOATS)],
        prompt_tokens=INTS[i % len(INTS)], completion_tokens=INTS[(i + 1) % len(INTS)],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("backend", "reader"),
    [("sqlite", "adbc"), ("sqlite", "cursor"), ("postgresql", "adbc"), ("postgresql", "copy")],
    indirect=["backend"],
)
def test_every_kind_of_value_reads_back_as_the_csv_store_reads_it(backend, reader, isolated, monkeypatch):
    fast = {"sqlite": "_by_adbc_sqlite", "postgresql": "_by_adbc_postgres"}[backend]
    if reader != "adbc":  # what reads the rows when ADBC's driver cannot
        monkeypatch.setattr(fetch, fast, lambda *_: None)
    fast_reads, reader_of = [], getattr(fetch, fast)
    monkeypatch.setattr(fetch, fast, lambda *a: fast_reads.append(reader_of(*a)) or fast_reads[-1])
    monkeypatch.setattr(fetch, "BATCH_ROWS", 7)  # SQLite's cursor: many batches, each made into Arrow columns
    monkeypatch.setattr(fetch, "BATCH_BYTES", 2000)  # PostgreSQL: many pieces of CSV, each parsed on its own
    results = [awkward(i) for i in range(60)]
    store, reference = default_store(), LogStore(isolated / "reference")
    for result in results:
        assert store.append_response(result) == ""
        assert reference.append_response(result) == ""
    store.append_rating(results[4].request_id, 5, 'good, "really"\nyes')
    reference.append_rating(results[4].request_id, 5, 'good, "really"\nyes')

    def same(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:  # rated_at: when each store took the rating
        pd.testing.assert_frame_equal(ours.drop(columns="rated_at"), theirs.drop(columns="rated_at"))

    same(store.read_requests().frame, reference.read_requests().frame)
    ours, theirs = store.read_requests(PAGE_COLUMNS), reference.read_requests(PAGE_COLUMNS)
    same(ours.frame, theirs.frame)
    positions = [59, 0, 33]
    pd.testing.assert_frame_equal(
        ours.texts.rows(positions, ["prompt", "response"]), theirs.texts.rows(positions, ["prompt", "response"])
    )
    assert store.read_requests(PAGE_COLUMNS).frame["timestamp"].iloc[1] == pd.Timestamp(results[1].timestamp)
    assert fast_reads and all((table is not None) == (reader == "adbc") for table in fast_reads)


def test_a_table_kept_up_to_date_row_by_row_reads_as_one_read_once_at_the_end(any_store, isolated):
    reference = LogStore(isolated / "reference")
    results = [awkward(i) for i in range(12)]
    for i, result in enumerate(results):
        for store in (any_store, reference):
            assert store.append_response(result) == ""
            if i % 4 == 3:  # now and then a rating, of an older answer
                store.append_rating(results[i - 2].request_id, 1 + i % 5)
        any_store.read_requests(PAGE_COLUMNS)  # the Analytics page reads after every new row
    late = awkward(99)
    late.model, late.provider = "a-model-not-seen-before", "zeta"  # new categories on the last rows
    any_store.append_response(late)
    reference.append_response(late)

    ours, theirs = any_store.read_requests(PAGE_COLUMNS).frame, reference.read_requests(PAGE_COLUMNS).frame
    for name in ours.select_dtypes("category"):  # categories grow at the end as rows bring them: values agree
        ours[name], theirs[name] = ours[name].astype(str), theirs[name].astype(str)
    pd.testing.assert_frame_equal(ours.drop(columns="rated_at"), theirs.drop(columns="rated_at"))
    assert ours["stars"].notna().sum() == 3


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_column_empty_for_thousands_of_rows_then_filled_reads_with_its_type(backend, monkeypatch):
    read_by_adbc, fast = [], fetch._by_adbc_sqlite
    monkeypatch.setattr(fetch, "_by_adbc_sqlite", lambda *args: read_by_adbc.append(fast(*args)) or read_by_adbc[-1])
    store = default_store()
    blank = [{"request_id": f"r{i}", "model": "m", "status": "ok"} for i in range(3000)]
    store.insert("requests", blank)  # ADBC guesses a column's type from its first rows: these say nothing
    assert store.append_response(Result(model="m", requested_model="m", provider="p", cost_usd=0.25, text="x")) == ""

    frame = store.read_requests(PAGE_COLUMNS).frame

    assert len(frame) == 3001
    assert frame["cost_usd"].dtype == "float64" and frame["cost_usd"].iloc[-1] == 0.25
    assert frame["cost_usd"].iloc[:3000].isna().all() and (frame["error"].iloc[:3000] == "").all()
    assert read_by_adbc and all(table is not None for table in read_by_adbc)  # not the cursor, four times slower


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_value_of_another_type_than_its_column_is_read_by_the_cursor(backend, monkeypatch):
    read_by_adbc, fast = [], fetch._by_adbc_sqlite
    monkeypatch.setattr(fetch, "_by_adbc_sqlite", lambda *args: read_by_adbc.append(fast(*args)) or read_by_adbc[-1])
    store = default_store()
    store.insert("requests", [{"request_id": f"r{i}", "model": "m", "prompt_tokens": i} for i in range(2000)])
    store.insert("requests", [{"request_id": "odd", "model": "m", "prompt_tokens": 2.5}])  # SQLite keeps the REAL

    frame = store.read_requests(PAGE_COLUMNS).frame

    assert len(frame) == 2001 and frame["prompt_tokens"].iloc[1999] == 1999
    assert read_by_adbc == [None]  # ADBC's driver refused the REAL; the sqlite3 cursor read every row


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_long_table_is_read_in_parts_at_once_and_comes_back_whole_and_in_order(backend, monkeypatch):
    parts_read, fast = [], fetch._by_adbc_sqlite
    monkeypatch.setattr(
        fetch, "_by_adbc_sqlite", lambda db, sqls, types: parts_read.append(len(sqls)) or fast(db, sqls, types)
    )
    monkeypatch.setattr(database, "SPLIT_ROWS", 100)
    monkeypatch.setattr(database, "READ_PROCESSES", 3)
    store = default_store()
    store.insert("requests", [{"request_id": f"r{i}", "model": "m", "prompt_tokens": i} for i in range(1000)])

    frame = store.read_requests(PAGE_COLUMNS).frame
    store.insert("requests", [{"request_id": "late", "model": "m", "prompt_tokens": 1000}])
    again = store.read_requests(PAGE_COLUMNS).frame

    assert parts_read[0] == 3  # a process per core, each a third of the row ids
    assert frame["prompt_tokens"].tolist() == list(range(1000))
    assert again["prompt_tokens"].tolist() == list(range(1001))  # one new row: read on its own, not split
    assert parts_read[1:] == [1]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_short_read_is_made_by_the_cursor_without_starting_a_process(backend, monkeypatch):
    monkeypatch.setattr(database, "READER_ROWS", 500)
    monkeypatch.setattr(fetch, "_by_adbc_sqlite", lambda *_: pytest.fail("a process started for a few rows"))
    store = default_store()
    store.insert("requests", [{"request_id": f"r{i}", "model": "m", "prompt_tokens": i} for i in range(400)])

    assert store.read_requests(PAGE_COLUMNS).frame["prompt_tokens"].tolist() == list(range(400))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_one_column_kept_from_a_read_holds_its_own_memory_not_the_whole_read(backend):
    store = default_store()
    long_error = "the provider failed: " + "x" * 400  # the other text columns are much larger than the ids
    store.insert("requests", [{"request_id": f"r{i}", "model": "m", "error": long_error} for i in range(20_000)])

    kept = store.read_requests(PAGE_COLUMNS).frame["request_id"].array.__arrow_array__()  # its Arrow chunks

    held = sum(memory_behind(buffer) for chunk in kept.chunks for buffer in chunk.buffers() if buffer is not None)
    assert held < 2 * kept.nbytes  # not the 8 MB of errors read beside them


def memory_behind(buffer: pa.Buffer) -> int:
    """The bytes a buffer keeps alive: the whole of what it is a slice of."""
    while buffer.parent is not None:
        buffer = buffer.parent
    return buffer.size
