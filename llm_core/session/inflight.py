"""The turns streaming in this process, by conversation: a page reloaded mid-turn stops its old run's models and
gets what had arrived, filed to the log, instead of a conversation without its last turn. And the shuffle of each
blind round, so a reload shows the panes under the same letters (the address must not carry it: with the pane ids
it would tell which model is which).

Process-wide on purpose: a reload is a new browser session, which shares nothing else with the old one.
"""

from __future__ import annotations

import threading

from .pacing import Pacer

SETTLE_S = 3.0  # how long a reopen waits for the stopped answers to file themselves

SEEDS_KEPT = 1_000  # blind rounds remembered; an older one reloads reshuffled, its names still hidden

_live: dict[str, Pacer] = {}
_seeds: dict[str, int] = {}
_guard = threading.Lock()


def remember_seed(conversation_id: str, seed: int) -> None:
    """Note the shuffle of a conversation's blind round."""
    with _guard:
        _seeds.pop(conversation_id, None)
        _seeds[conversation_id] = seed
        while len(_seeds) > SEEDS_KEPT:
            del _seeds[next(iter(_seeds))]


def blind_seed(conversation_id: str) -> int | None:
    """The shuffle of the conversation's blind round in this process (None when there is none)."""
    with _guard:
        return _seeds.get(conversation_id)


def register(conversation_id: str, pacer: Pacer) -> None:
    """Note the turn a conversation has in flight (finished ones are forgotten as new ones come)."""
    with _guard:
        for key in [k for k, p in _live.items() if p.finished]:
            del _live[key]
        _live[conversation_id] = pacer


def settle(conversation_id: str, timeout_s: float = SETTLE_S) -> bool:
    """Stop the conversation's turn in flight, if any, and wait for its answers (cancelled, with the text that had
    arrived) to be logged; True when there was one."""
    with _guard:
        pacer = _live.pop(conversation_id, None)
    if pacer is None or pacer.finished:
        return False
    pacer.stop(timeout_s)
    return True
