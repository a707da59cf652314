"""Pacing live repaints: a Comparison read on a background thread, handed to the page as a steady beat."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..compare import Comparison, Event


SEND_WAIT_S = 0.1  # the longest a caller waits for the requests to leave before it goes on


@dataclass(frozen=True)
class Tick:
    """A tick: the slots finished so far (each has filed its answer), whether all have, and whether it is a beat of
    the steady pace (or an early wake because a pane finished)."""

    finished: frozenset[int]
    done: bool
    beat: bool = True


class Pacer:
    """Reads a Comparison on a background thread and hands the page a steady beat of repaints.

    The page repaints what changed at most every `every_s` (not per token) and at once when a pane finishes
    (the live Results hold the text so far); it gets a beat even while nothing arrives, so a Stop click is
    noticed promptly.
    """

    def __init__(self, comparison: Comparison, every_s: float = 0.1, send_wait_s: float = SEND_WAIT_S):
        self.comparison = comparison
        self.every_s = every_s
        self.send_wait_s = send_wait_s
        self.started_at: float | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._finished: set[int] = set()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Pacer:
        """Start every model (once): when this returns, each one's request has left (or `send_wait_s` passed).

        The caller goes on to draw the page, which holds the interpreter: requests still being built meanwhile
        left up to 80 ms after the prompt on a busy machine, and the slowest model's answer came that much later.
        """
        if self._thread is None:
            self.started_at = time.monotonic()
            events = iter(self.comparison)  # every model's thread starts here
            self._thread = threading.Thread(target=self._drain, args=(events,), daemon=True, name="compare-pacer")
            self._thread.start()
            self.comparison.wait_sent(self.send_wait_s)
        return self

    def _drain(self, events: Iterator[Event]) -> None:
        try:
            for event in events:
                if event.done:
                    with self._lock:
                        self._finished.add(event.slot)
                    self._wake.set()  # a finished pane is painted at once
        finally:
            self._closed.set()
            self._wake.set()

    def ticks(self) -> Iterator[Tick]:
        """Ticks until every model has finished; the last one has done=True.

        Beats come every `every_s`, whatever happens in between; a pane finishing wakes the caller at once, on a tick
        with beat=False.
        """
        self.start()
        next_beat = time.monotonic() + self.every_s
        while True:
            self._wake.wait(max(0.0, next_beat - time.monotonic()))
            done = self._closed.is_set()  # read first: once closed, every finished slot is recorded
            with self._lock:
                self._wake.clear()
                finished = frozenset(self._finished)
            now = time.monotonic()
            beat = now >= next_beat
            if beat:
                next_beat = now + self.every_s
            yield Tick(finished, done, beat)
            if done:
                return

    @property
    def finished(self) -> bool:
        return self._closed.is_set()

    def cancel(self) -> None:
        """Stop every stream."""
        self.comparison.cancel()

    def stop(self, timeout_s: float) -> None:
        """Stop every stream and give each answer up to `timeout_s` to file itself (cancelled, with its text)."""
        self.cancel()
        if self.started_at is None:  # never started: nothing was sent, so nothing is logged
            for result in self.comparison.results:
                result.status, result.error = "cancelled", "stopped before it was sent"
        self.wait(timeout_s)

    def wait(self, timeout_s: float) -> bool:
        """Wait until every model has finished and filed its answer; False on timeout."""
        if self._thread is None:  # never started: nothing runs, nothing to file
            return True
        return self._closed.wait(timeout_s)
