"""Several models answering the same turn at once, their chunks merged into one stream of events."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from .catalog import Model
from .engine import Turn
from .options import Options
from .record import Message, Result, new_id


@dataclass
class Job:
    """One pane's share of a comparison: its model, its own history, its own options."""

    model: str | Model
    messages: list[Message]
    options: Options | None = None
    template: str = ""


@dataclass
class Event:
    """Something happened in one slot: `delta` is new text ('' when the slot just finished)."""

    slot: int
    delta: str
    result: Result = field(repr=False)
    done: bool = False


class Comparison:
    """Runs every job on its own thread; iterate for events in arrival order. Wall time is the slowest job's.

    Each slot answers with the model it names or fails with that model's own error: a catalog fallback answering
    in its place would put another model's answer under its name.
    """

    def __init__(
        self,
        jobs: list[Job],
        *,
        comparison_id: str | None = None,
        deltas: bool = True,
        fallbacks: bool = False,
        **turn_options,
    ):
        """`deltas=False`: only each slot's finish is an event, for a reader that paints from the live Results
        (it saves a hand-off between threads per chunk). `fallbacks=True`: a slot may fall back along its model's
        chain, for a single model asked alone (the CLI's `ask`)."""
        self.comparison_id = comparison_id or new_id()
        self._deltas = deltas
        self._cancel = threading.Event()
        self.turns = [
            Turn(
                job.model,
                job.messages,
                job.options,
                cancel=self._cancel,
                comparison_id=self.comparison_id,
                template=job.template,
                fallbacks=fallbacks,
                **turn_options,
            )
            for job in jobs
        ]
        self._events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._started = False

    @property
    def results(self) -> list[Result]:
        return [turn.result for turn in self.turns]

    def cancel(self) -> None:
        """Stop every stream; each worker stops reading from its provider at its next chunk."""
        self._cancel.set()

    def __iter__(self) -> Iterator[Event]:
        if self._started:
            raise RuntimeError("a Comparison can be iterated only once")
        self._started = True
        for slot, turn in enumerate(self.turns):
            threading.Thread(target=self._work, args=(slot, turn), daemon=True, name=f"compare-{slot}").start()
        return self._merge()

    def wait_sent(self, timeout_s: float) -> bool:
        """Wait until every model's request has left (or its turn ended without one); False on timeout."""
        deadline = time.monotonic() + timeout_s
        return all(turn.sent.wait(max(0.0, deadline - time.monotonic())) for turn in self.turns)

    def run(self) -> list[Result]:
        """Wait for every model and return their results."""
        for _ in self:
            pass
        return self.results

    def _work(self, slot: int, turn: Turn) -> None:
        try:
            for delta in turn:
                if self._deltas:
                    self._events.put(Event(slot, delta, turn.result))
        finally:
            self._events.put(Event(slot, "", turn.result, done=True))

    def _merge(self) -> Iterator[Event]:
        pending = len(self.turns)
        try:
            while pending:
                event = self._events.get()
                pending -= event.done
                yield event
        finally:
            if pending:  # the caller stopped early (a Stop button, a closed page): stop the workers too
                self.cancel()
