"""The Evaluate page's session state: the suite picked, and the run going on in the background for this session.

A run works on its own thread (its progress is queued), so the page can redraw, stop it, and pick it up again
after a rerun; the calls themselves run in the core, which logs every answer as it ends.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from llm_core.evaluate.runner import EvalRun, Progress

SUITES_FOLDER = Path(__file__).parents[2] / "suites"


@dataclass
class LiveRun:
    """A run and its worker thread, with the progress not yet shown."""

    run: EvalRun
    thread: threading.Thread
    updates: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    latest: Progress | None = None
    error: str = ""

    @property
    def running(self) -> bool:
        return self.thread.is_alive()

    def drain(self) -> Progress | None:
        """The newest progress reported since the last look."""
        while True:
            try:
                self.latest = self.updates.get_nowait()
            except queue.Empty:
                return self.latest


def example_suites() -> list[Path]:
    """The suites shipped in suites/."""
    return sorted(p for p in SUITES_FOLDER.iterdir() if p.suffix in (".toml", ".yaml", ".yml", ".csv", ".jsonl"))


def live() -> LiveRun | None:
    """This session's run, going or finished, if one was started."""
    return st.session_state.get("eval_live")


def start(run: EvalRun) -> LiveRun:
    """Run in the background; the page reads its progress from the queue."""
    updates: queue.SimpleQueue = queue.SimpleQueue()
    holder: dict = {}

    def work() -> None:
        try:
            run.run(updates.put)
        except Exception as e:  # shown on the page, never a traceback; the run's records say how far it got
            holder["live"].error = f"The run stopped on an unexpected {type(e).__name__}: {e}"

    thread = threading.Thread(target=work, name=f"eval-{run.run_id}", daemon=True)
    current = LiveRun(run, thread, updates)
    holder["live"] = current
    st.session_state["eval_live"] = current
    st.session_state["eval_shown_run"] = run.run_id
    thread.start()
    return current


def stop() -> None:
    """Stop this session's run (a button's callback): no new calls; what is in flight is cancelled."""
    current = live()
    if current is not None and current.running:
        current.run.stop("stopped")
