"""The app process's garbage collection: a run that loaded new code pays for one collection, then it is frozen."""

from __future__ import annotations

import gc
import sys
import types

from pages._shared import interpreter as _interpreter
from pages._shared.interpreter import settle_new_code


def test_a_run_that_loaded_new_code_collects_once_and_freezes_what_survives(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(gc, "collect", lambda *args: calls.append("collect"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(_interpreter, "_modules_settled", 0)

    settle_new_code()
    assert calls == ["collect", "freeze"]

    settle_new_code()  # nothing new was loaded: no pause at all
    assert calls == ["collect", "freeze"]

    monkeypatch.setitem(sys.modules, "switchboard_freshly_loaded", types.ModuleType("switchboard_freshly_loaded"))
    settle_new_code()
    assert calls == ["collect", "freeze", "collect", "freeze"]
