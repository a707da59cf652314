"""Streaming the turn in flight into its panes: paced repaints, a Stop button, and the final text always painted."""

from __future__ import annotations

import time

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from llm_core.conversation import Conversation
from llm_core.display import answer_metrics
from llm_core.pacing import Pacer
from llm_core.record import Result
from pages import _compare_state as state
from pages._compare_panes import Panes, Slots, paint_live, paint_text

FLUSH_S = 0.1


def stream_live(c: Conversation, panes: Panes, stop_slot: DeltaGenerator) -> None:
    """Run the turn in flight to its end, painting each pane at a steady pace; then redraw the page settled."""
    pacer = c.live
    if pacer is None:
        return
    stop_slot.button("Stop", icon=":material/stop_circle:", key="stop", type="primary", on_click=state.stop)
    try:
        pump(pacer, panes.live, hidden=c.hidden)
    finally:
        if not pacer.finished:  # the run was interrupted (Stop, another click, a closed tab): stop the models
            pacer.cancel()
    c.live = None
    time.sleep(FLUSH_S)  # a rerun drops deltas not yet sent: let the final paint reach the browser first
    st.rerun()


def pump(pacer: Pacer, slots: dict[str, Slots], hidden: bool) -> None:
    """Repaint panes with new text at each beat (not per token); a finished pane gets its final text once."""
    final: set[str] = set()
    for tick in pacer.ticks():
        elapsed = time.monotonic() - (pacer.started_at or time.monotonic())
        streaming = len(slots) - len(final)
        for slot, result in enumerate(pacer.comparison.results):
            if result.request_id not in slots or result.request_id in final:
                continue
            if slot in tick.finished:
                paint_final(slots[result.request_id], result, hidden)
                final.add(result.request_id)
            else:
                paint_live(slots[result.request_id], result, elapsed, streaming)


def paint_final(slots: Slots, r: Result, hidden: bool) -> None:
    """The rest of the answer and its metrics line, as one element (the next run redraws it whole, with rating
    and retry)."""
    slots.line = answer_metrics(r, hidden=hidden)
    paint_text(slots, r.text, cursor=False)
