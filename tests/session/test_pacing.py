"""Pacing a turn's repaints, and stopping a turn the page was interrupted in."""

from __future__ import annotations

import threading
import time

import pytest

from llm_core.providers.echo import EchoProvider
from llm_core.session.pacing import Pacer
from tests.conversation_support import conversation_catalog, conversation_of


@pytest.fixture(autouse=True)
def catalog(isolated, monkeypatch):
    return conversation_catalog(isolated, monkeypatch)


def test_pacing_paints_four_fast_panes_in_few_beats_and_ends_with_the_slowest(catalog):
    c = conversation_of(catalog, "echo-500", "echo-500", "echo-500", "echo-500")
    comparison = c.start_turn(" ".join(f"word{i}" for i in range(250)), catalog=catalog, store=False)
    started = time.monotonic()
    ticks = list(c.live.ticks())
    wall = time.monotonic() - started
    assert all(r.status == "ok" for r in comparison.results)
    assert len(ticks) <= wall / c.live.every_s + 6  # a beat per 100 ms (plus one per finish), never one per token
    assert ticks[-1].done and ticks[-1].finished == {0, 1, 2, 3}


def test_a_pane_finishing_wakes_the_page_at_once_and_the_beats_keep_their_own_pace(catalog):
    c = conversation_of(catalog, "echo-500", "echo-slow")  # the first finishes while the slow one still streams
    c.start_turn(" ".join(f"word{i}" for i in range(100)), catalog=catalog, store=False)
    pacer, ticks = c.live, []
    for tick in pacer.ticks():
        ticks.append((time.monotonic(), tick))
        if 0 in tick.finished:
            break
    c.settle()
    woken_at, woken = ticks[-1]
    assert not woken.beat and woken.finished == {0}  # painted when it finished, not at the next beat
    beats = [at for at, tick in ticks if tick.beat]
    assert len(beats) >= 2
    assert all(later - earlier >= pacer.every_s * 0.9 for earlier, later in zip(beats, beats[1:], strict=False))


def test_settling_an_interrupted_turn_files_partial_answers_as_cancelled(catalog, store):
    c = conversation_of(catalog, "echo-slow", "echo")
    c.start_turn("please answer slowly", catalog=catalog, store=store)
    pacer = c.live
    for tick in pacer.ticks():
        if 1 in tick.finished and c.panes[0].last.result.text:
            break  # the page's run was interrupted here, while the slow pane streamed
    c.settle()
    slow, fast = (p.last.result for p in c.panes)
    assert c.live is None and pacer.finished
    assert slow.status == "cancelled" and slow.text and fast.status == "ok"
    logged = store.read_requests().frame.set_index("request_id")
    assert logged.loc[slow.request_id, "status"] == "cancelled"
    assert logged.loc[slow.request_id, "response"] == slow.text


def test_a_pacer_that_never_started_settles_at_once(catalog):
    c = conversation_of(catalog, "echo", "echo-outline")
    c.start_turn("hello", catalog=catalog, store=False)
    assert isinstance(c.live, Pacer)
    c.settle()
    assert c.live is None and all(p.last.result.status == "cancelled" and not p.last.result.text for p in c.panes)


def test_every_request_has_left_when_the_page_goes_on_drawing(catalog):
    """The requests should not wait for the page: each has been sent, no answer awaited, when start() returns."""
    c = conversation_of(catalog, "echo-slow", "echo-slow", "echo-slow")
    c.start_turn("hello", catalog=catalog, store=False)
    started = time.monotonic()
    c.live.start()
    running = {t.name for t in threading.enumerate()}
    assert {"compare-0", "compare-1", "compare-2"} <= running
    assert all(turn.sent.is_set() for turn in c.live.comparison.turns)
    assert time.monotonic() - started < c.live.send_wait_s  # it waited for the requests, not for the answers
    assert not any(r.done for r in c.live.comparison.results)
    c.settle()


def test_a_model_slow_to_send_holds_the_page_up_only_briefly(catalog, monkeypatch):
    """Setting an SDK up can take a while on first use: the page goes on drawing after send_wait_s."""
    monkeypatch.setattr(EchoProvider, "prepare", lambda self: time.sleep(1.0))
    c = conversation_of(catalog, "echo", "echo-outline")
    c.start_turn("hello", catalog=catalog, store=False)
    started = time.monotonic()
    c.live.start()
    assert c.live.send_wait_s <= time.monotonic() - started < 0.6
    assert not any(turn.sent.is_set() for turn in c.live.comparison.turns)
    c.settle()
    c.settle()
