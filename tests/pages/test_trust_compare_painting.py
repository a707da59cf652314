"""What the browser is sent when a pane finishes before the others: its final answer, then its stars at once."""

from __future__ import annotations

from llm_core.record import Result
from llm_core.session.pacing import Tick
from pages._compare.panes import Slots
from pages._compare.stream import pump
from tests.pages.test_compare_painting import Recorder, ScriptedPacer, answer

DONE = {"status": "ok", "finish_reason": "stop", "latency_ms": 400.0}


def sent_to_browser(results: list[Result], ticks: list[tuple[Tick, dict]]) -> list[str]:
    """Everything pump sends for two panes, "first" and "second", in order: each paint's text, and "stars"."""
    names = dict(zip([r.request_id for r in results], ("first", "second"), strict=True))
    sent: list[str] = []
    slots = {}
    for r in results:
        recorder = Recorder()
        recorder.markdown = lambda body, name=names[r.request_id]: sent.append(f"{name}: {body.split(chr(10) * 2)[0]}")
        slots[r.request_id] = Slots(recorder)
    pump(ScriptedPacer(results, ticks), slots, hidden=False, on_final=lambda rid: sent.append(f"{names[rid]}: stars"))
    return sent


def test_a_pane_that_finishes_first_gets_its_stars_while_the_other_still_streams():
    ticks = [
        (Tick(frozenset(), done=False), {}),
        (Tick(frozenset({0}), done=False, beat=False), {0: {**DONE, "text": "One, done."}}),
        (Tick(frozenset({0, 1}), done=True, beat=False), {1: {**DONE, "text": "Two and more."}}),
    ]
    sent = sent_to_browser([answer("One", ttft_ms=100.0), answer("Two", ttft_ms=100.0)], ticks)
    assert sent == [
        "first: One ▌",
        "second: Two ▌",
        "first: One, done.",
        "first: stars",  # at once, while the second still streams
        "second: Two and more.",
        "second: stars",
    ]


def test_panes_finishing_together_get_their_final_answers_before_any_stars():
    ticks = [
        (Tick(frozenset({0, 1}), done=True, beat=False), {0: {**DONE, "text": "One."}, 1: {**DONE, "text": "Two."}})
    ]
    sent = sent_to_browser([answer("One", ttft_ms=100.0), answer("Two", ttft_ms=100.0)], ticks)
    assert sent == ["first: One.", "second: Two.", "first: stars", "second: stars"]
