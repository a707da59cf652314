"""Responses logged from an event loop, written together (group commit).

While one write is under way, the rows that end meanwhile wait, and go in the next write, all in one append: one
file lock and one fsync (or one INSERT) for the lot. A crowd of streams ending together used to write one row after
another behind the file's lock, each with its own fsync, and every reply waited its turn. Each caller still waits
for its own row to be written, so a reply never ends before its row is saved.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import anyio

from ..record import Result

_commits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, GroupCommit]] = weakref.WeakKeyDictionary()


class GroupCommit:
    """The rows bound for one store from one event loop: at most one write at a time, on a worker thread."""

    def __init__(self, store: Any):
        self.store = store
        self._waiting: list[tuple[Result, asyncio.Future[str]]] = []
        self._writer: asyncio.Task | None = None

    async def append_response(self, result: Result) -> str:
        """Log `result` with whatever else is waiting; "" once written, else the store's warning. Never raises.

        Call it shielded from cancellation (the engine does): the row is written even if the caller gives up."""
        written: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting.append((result, written))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_while_waiting())
        return await written

    async def _write_while_waiting(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                warnings = await anyio.to_thread.run_sync(self._append, [result for result, _ in batch])
                for (_, written), warning in zip(batch, warnings, strict=True):
                    written.set_result(warning)
        finally:
            self._writer = None

    def _append(self, results: list[Result]) -> list[str]:
        append_many = getattr(self.store, "append_responses", None)
        if append_many is None:  # a store with the one-row method only
            return [self.store.append_response(result) for result in results]
        return append_many(results)


def group_commit(store: Any) -> GroupCommit:
    """The running loop's group commit for `store` (the same one for every store object of the same log)."""
    commits = _commits.setdefault(asyncio.get_running_loop(), {})
    key = (type(store), getattr(store, "location", id(store)), getattr(store, "fsync", None))
    if key not in commits:
        commits[key] = GroupCommit(store)
    return commits[key]
