"""Streaming the turn in flight into its panes: paced repaints, a Stop button, and the final text always painted."""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from llm_core.record import Result
from llm_core.session.conversation import Conversation
from llm_core.session.display import answer_metrics
from llm_core.session.pacing import Pacer
from pages._compare import state
from pages._compare.panes import Panes, Slots, paint_live, paint_text

FLUSH_S = 0.1

# Run once as a turn starts: unless its prompts are near the top already, scroll as the answers grow until they sit
# under the toolbar, then stop, so every pane's answer is read from its start. Streamlit would follow the newest
# line down instead (it does when the prompt box is in the main body; the page puts it in st.bottom): with four
# panes that meant a scroll and a repaint of the window at every beat, a sixth of Chromium's CPU in a 4-pane turn.
# Scrolling by hand stops it.
SHOW_NEW_TURN = """<script>
(() => {
  const main = document.querySelector(".stMain");
  const toolbar = document.querySelector(".st-key-toolbar");
  const content = main && main.querySelector('[data-testid="stMainBlockContainer"]');
  const prompts = [...document.querySelectorAll('[class*="st-key-pane_"]')]
    .map((pane) => [...pane.querySelectorAll('[data-testid="stChatMessage"]')].at(-2))
    .filter(Boolean);
  if (!content || !toolbar || prompts.length === 0) return;
  const highest = () => Math.min(...prompts.map((prompt) => prompt.getBoundingClientRect().top));
  const below = () => highest() - toolbar.getBoundingClientRect().bottom - 8;
  if (below() < main.clientHeight / 3) return;  // already near the top (a first turn): the pickers stay in view
  const follow = new ResizeObserver(() => {
    if (prompts.some((prompt) => !prompt.isConnected)) return stop();
    if (below() > 1) main.scrollBy(0, below());
    if (below() <= 1) stop();
  });
  const stop = () => {
    follow.disconnect();
    for (const event of ["wheel", "touchmove", "keydown"]) main.removeEventListener(event, stop);
  };
  for (const event of ["wheel", "touchmove", "keydown"]) main.addEventListener(event, stop, { passive: true });
  follow.observe(content);
  setTimeout(stop, 120000);
})();
</script>"""


def stream_live(c: Conversation, panes: Panes, stop_slot: DeltaGenerator) -> None:
    """Run the turn in flight to its end, painting each pane at a steady pace; then redraw the page settled."""
    pacer = c.live
    if pacer is None:
        return
    stop_slot.button("Stop", icon=":material/stop_circle:", key="stop", type="primary", on_click=state.stop)
    st.html(SHOW_NEW_TURN, unsafe_allow_javascript=True)
    try:
        pump(pacer, panes.live, hidden=c.hidden, on_final=lambda request_id: panes.ratings[request_id]())
    finally:
        if not pacer.finished:  # the run was interrupted (Stop, another click, a closed tab): stop the models
            pacer.cancel()
    c.live = None
    time.sleep(FLUSH_S)  # a rerun drops deltas not yet sent: let the final paint reach the browser first
    st.rerun()


def pump(
    pacer: Pacer, slots: dict[str, Slots], hidden: bool, on_final: Callable[[str], None] = lambda request_id: None
) -> None:
    """Repaint panes with new text at each beat (not per token); a finished pane gets its final text at once, then
    `on_final(request_id)` (its stars), after every final paint of that tick.

    A pane finishing wakes the page between beats: then only it is painted. Each message costs the browser a render
    of the page, and with four panes finishing close together, a repaint of another pane just then delayed the last
    final paint. Nor is a pane repainted once its model has said it is done: its final paint follows in a moment.
    """
    final: set[str] = set()
    for tick in pacer.ticks():
        elapsed = time.monotonic() - (pacer.started_at or time.monotonic())
        streaming = len(slots) - len(final)
        finished_now = []
        for slot, result in enumerate(pacer.comparison.results):
            if result.request_id not in slots or result.request_id in final:
                continue
            if slot in tick.finished:
                paint_final(slots[result.request_id], result, hidden)
                finished_now.append(result.request_id)
            elif tick.beat and not result.finish_reason:
                paint_live(slots[result.request_id], result, elapsed, streaming)
        for request_id in finished_now:
            final.add(request_id)
            on_final(request_id)


def paint_final(slots: Slots, r: Result, hidden: bool) -> None:
    """The rest of the answer and its metrics line, as one element (the next run redraws it whole, with rating
    and retry)."""
    slots.line = answer_metrics(r, hidden=hidden)
    paint_text(slots, r.text, cursor=False)
