"""Memory: a log read anew after rows were added does not leave older copies of its frame resident."""

from __future__ import annotations

import gc
import weakref

import pandas as pd

from llm_core.analytics.summary import PAGE_COLUMNS
from llm_core.record import Result
from llm_core.store import read


def answer(i: int) -> Result:
    return Result(model="echo", requested_model="echo", provider="echo", prompt=f"q{i}", text="a", status="ok")


def test_a_new_row_frees_the_copies_that_earlier_page_runs_left_in_reference_cycles(any_store, monkeypatch):
    monkeypatch.setattr(read, "COLLECT_FROM_ROWS", 1)  # as a million-row log is treated
    for i in range(3):
        assert any_store.append_response(answer(i)) == ""
    earlier = any_store.read_requests(PAGE_COLUMNS).frame
    copy = weakref.ref(earlier)
    namespace = {"requests": earlier}  # a page run's module namespace, which its functions point back at
    namespace["globals"] = namespace
    del earlier, namespace
    gc.disable()  # the collector's own passes come rarely in a page; here, not at all
    try:
        assert copy() is not None
        any_store.append_response(answer(3))
        assert len(any_store.read_requests(PAGE_COLUMNS).frame) == 4
        assert copy() is None
    finally:
        gc.enable()


def test_forgetting_the_databases_lets_every_frame_read_from_them_go(isolated):
    from llm_core.store.database import DatabaseStore, forget_engines

    store = DatabaseStore(f"sqlite:///{isolated / 'logs.db'}")
    logged = answer(0)
    assert store.append_response(logged) == ""
    store.read_requests(PAGE_COLUMNS), store.read_votes()

    def held() -> list[pd.DataFrame]:  # frames anywhere in the process holding this test's row
        frames = [o for o in gc.get_objects() if isinstance(o, pd.DataFrame) and "request_id" in o.columns]
        return [f for f in frames if len(f) and (f["request_id"] == logged.request_id).any()]

    gc.collect()
    assert held()  # the store's own cache and the requests it joined to their ratings
    forget_engines()
    gc.collect()
    assert not held()
