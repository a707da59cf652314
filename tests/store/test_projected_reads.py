"""Reading a log for its numbers only: the long texts stay on disk (or in the database) until a row needs them.

Analytics holds a million requests' numbers but never their prompts and answers: it reads the texts of the rows
the Requests tab shows, and a search scans them a stretch at a time without keeping them. On CSV, SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

import pandas as pd
import pytest

from llm_core.analytics.search import recent_requests
from llm_core.analytics.summary import PAGE_COLUMNS
from llm_core.record import Result
from llm_core.store.cells import format_row
from llm_core.store.csv_store import LogStore, response_row
from llm_core.store.read import forget

TEXTS = ["system", "prompt", "response"]  # the long ones (errors are short, and counted)


def answer(prompt: str, text: str = "an answer", **fields) -> Result:
    values = dict(model="echo", requested_model="echo", provider="echo", status="ok", latency_ms=100.0)
    return Result(prompt=prompt, text=text, **{**values, **fields})


def logged(store: LogStore, count: int, **texts: str) -> list[Result]:
    """`count` answers, the i-th asked "question i"; `texts` maps a row number to its answer's text."""
    results = [answer(f"question {i}", texts.get(f"row{i}", f"answer {i}")) for i in range(count)]
    for result in results:
        assert store.append_response(result) == ""
    return results


def test_the_analytics_read_holds_no_text_and_reads_back_the_texts_of_the_rows_asked(any_store):
    results = logged(any_store, 4)

    table = any_store.read_requests(PAGE_COLUMNS)

    assert not set(TEXTS) & set(table.frame.columns)
    assert table.frame["request_id"].tolist() == [r.request_id for r in results]
    texts = table.texts.rows([3, 1], ["prompt", "response"])
    assert texts.index.tolist() == [3, 1]
    assert texts["prompt"].tolist() == ["question 3", "question 1"]
    assert texts["response"].tolist() == ["answer 3", "answer 1"]


def test_texts_of_rows_appended_after_the_first_read_come_back_too(any_store):
    logged(any_store, 2)
    any_store.read_requests(PAGE_COLUMNS)
    any_store.append_response(answer("asked later", "answered later"))

    table = any_store.read_requests(PAGE_COLUMNS)

    assert table.texts.rows([2, 0], ["prompt"])["prompt"].tolist() == ["asked later", "question 0"]


def test_search_finds_an_old_answer_in_a_large_log_reading_it_a_stretch_at_a_time(any_store, monkeypatch):
    monkeypatch.setattr("llm_core.store.read.WINDOW_BYTES", 4096)  # CSV: the file read in many windows
    monkeypatch.setattr("llm_core.store.database.SCAN_ROWS", 16)  # databases: texts scanned 16 rows at a time
    logged(any_store, 120, row7="the Lyon answer", row100="also lyon")
    if isinstance(any_store, LogStore):
        forget(any_store.requests_path)  # a cold read, window by window
    table = any_store.read_requests(PAGE_COLUMNS)

    found = recent_requests(table.frame, "LYON", texts=table.texts)
    assert found.index.tolist() == [100, 7]
    assert found["prompt"].tolist() == ["question 100", "question 7"]
    assert recent_requests(table.frame, "answer 1", limit=3, texts=table.texts)["prompt"].tolist() == [
        "question 119", "question 118", "question 117"
    ]  # fmt: skip
    among = recent_requests(table.frame, "lyon", among=pd.Index([7]), texts=table.texts)
    assert among["prompt"].tolist() == ["question 7"]


@pytest.mark.parametrize("backend", ["csv"], indirect=True)
def test_the_texts_of_rows_after_a_torn_one_still_match_their_rows(any_store, monkeypatch):
    monkeypatch.setattr("llm_core.store.read.WINDOW_BYTES", 2048)
    logged(any_store, 30)
    with open(any_store.requests_path, "ab") as log:
        log.write(b'2025-01-01T00:00:00+00:00,cut-off,"a row a crash tore\n')  # torn: the next append closes it
    any_store.append_response(answer("after the crash", "still here"))
    forget(any_store.requests_path)

    table = any_store.read_requests(PAGE_COLUMNS)

    assert len(table.frame) == 31 and table.skipped == 1
    assert table.texts.rows([30, 29], ["prompt", "response"]).to_numpy().tolist() == [
        ["after the crash", "still here"], ["question 29", "answer 29"]
    ]  # fmt: skip


@pytest.mark.parametrize("backend", ["csv"], indirect=True)
def test_rows_with_bytes_that_are_not_utf8_are_named_in_the_analytics_read_too(any_store):
    logged(any_store, 2)
    latin1 = format_row(response_row(answer("café"))).encode("utf-8").replace("café".encode(), b"caf\xe9")
    with open(any_store.requests_path, "ab") as log:
        log.write(latin1)  # as another program might have saved it

    full, numbers = any_store.read_requests(), any_store.read_requests(PAGE_COLUMNS)

    assert numbers.notes == full.notes and any("not UTF-8" in note for note in numbers.notes)
    assert numbers.texts.rows([2], ["prompt"])["prompt"].tolist() == ["caf\ufffd"]
