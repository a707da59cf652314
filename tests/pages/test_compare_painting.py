"""How a streaming answer is painted into its pane: what the browser is sent at each beat."""

from __future__ import annotations

import time
from types import SimpleNamespace

from llm_core.record import Result
from llm_core.session.pacing import Tick
from pages._compare.panes import LINE_EVERY_S, Slots, paint_live
from pages._compare.stream import paint_final, pump


class Recorder:
    """Stands in for a Streamlit placeholder: remembers each body painted into it (or into what it holds)."""

    def __init__(self) -> None:
        self.painted: list[str] = []

    def markdown(self, body: str) -> None:
        self.painted.append(body)

    def container(self) -> Recorder:
        return self

    def empty(self) -> Recorder:
        return self


def answer(text: str = "", ttft_ms: float | None = None) -> Result:
    return Result(model="echo", requested_model="echo", text=text, ttft_ms=ttft_ms)


class ScriptedPacer:
    """Stands in for the Pacer: its answers, and the ticks it gives, each applied to the answers as it comes."""

    def __init__(self, results: list[Result], ticks: list[tuple[Tick, dict]]):
        self.comparison = SimpleNamespace(results=results)
        self.started_at = time.monotonic()
        self._ticks = ticks

    def ticks(self):
        for tick, changes in self._ticks:
            for slot, fields in changes.items():
                for name, value in fields.items():
                    setattr(self.comparison.results[slot], name, value)
            yield tick


def test_the_line_stops_saying_waiting_as_soon_as_the_first_words_are_shown():
    painted = Recorder()
    slots = Slots(painted)
    streaming = answer()
    paint_live(slots, streaming, 0.0)
    assert "Waiting for the first token" in painted.painted[-1]

    streaming.text, streaming.ttft_ms = "Hello there", 120.0
    paint_live(slots, streaming, LINE_EVERY_S / 2)  # the line's own beat is not due yet
    assert painted.painted[-1].startswith("Hello there ▌")
    assert "TTFT 120 ms" in painted.painted[-1]


def test_each_repaint_sends_the_text_and_its_line_as_one_element():
    painted = Recorder()
    slots = Slots(painted)
    streaming = answer("Hello", ttft_ms=120.0)
    paint_live(slots, streaming, 0.0)
    streaming.text += " there"
    paint_live(slots, streaming, LINE_EVERY_S / 2)  # new text, the line not due: it goes along unchanged
    assert len(painted.painted) == 2
    first, second = painted.painted
    assert first.startswith("Hello ▌") and second.startswith("Hello there ▌")
    assert first.split("\n\n")[-1] == second.split("\n\n")[-1]


def test_the_final_paint_is_one_element_with_the_whole_answer_and_its_metrics():
    painted = Recorder()
    slots = Slots(painted)
    streaming = answer("Hello", ttft_ms=120.0)
    paint_live(slots, streaming, 0.0)
    streaming.text, streaming.latency_ms = "Hello there", 300.0
    streaming.prompt_tokens, streaming.completion_tokens = 5, 2
    paint_final(slots, streaming, hidden=False)
    assert len(painted.painted) == 2
    assert painted.painted[-1].startswith("Hello there\n\n") and "▌" not in painted.painted[-1]
    assert "5 → 2 tok" in painted.painted[-1]


def test_an_open_code_block_is_closed_before_the_line_so_it_does_not_swallow_it():
    painted = Recorder()
    paint_live(Slots(painted), answer("Try:\n```python\nprint(1)", ttft_ms=120.0), 0.0)
    code, line = painted.painted[-1].rsplit("\n\n", 1)
    assert code.endswith("print(1) ▌\n```") and line.startswith(":small[:gray[TTFT 120 ms")


def test_four_streaming_panes_share_the_browsers_repaint_budget_of_two():
    """A long tail is re-rendered whole at each repaint, so with more panes each one repaints it less often."""
    repainted = {}
    for streaming in (2, 4):
        painted = Recorder()
        slots = Slots(painted)
        long = answer("word " * 480, ttft_ms=120.0)  # 2,400 characters, one paragraph
        paint_live(slots, long, 0.0, streaming)
        long.text += "more "
        paint_live(slots, long, 0.3, streaming)
        repainted[streaming] = painted.painted[-1].startswith(long.text.strip())
    assert repainted == {2: True, 4: False}


def test_a_pane_finishing_between_beats_is_painted_alone_and_the_others_wait_for_the_beat():
    """Each message costs the browser a render: when four panes finish close together, the last final paint
    should not queue behind repaints of the others."""
    first, second = answer("One", ttft_ms=100.0), answer("Two", ttft_ms=100.0)
    done = {"status": "ok", "finish_reason": "stop", "text": "One, done.", "latency_ms": 400.0}
    pacer = ScriptedPacer(
        [first, second],
        [
            (Tick(frozenset(), done=False), {}),  # a beat: both repainted
            (Tick(frozenset({0}), done=False, beat=False), {0: done, 1: {"text": "Two and"}}),  # a wake
            (Tick(frozenset({0}), done=False), {1: {"text": "Two and more", "finish_reason": "stop"}}),
            (Tick(frozenset({0, 1}), done=True, beat=False), {1: {**done, "text": "Two and more."}}),
        ],
    )
    painted = [Recorder(), Recorder()]
    pump(pacer, {r.request_id: Slots(out) for r, out in zip([first, second], painted, strict=True)}, hidden=False)
    first_paints, second_paints = ([body.split("\n\n")[0] for body in out.painted] for out in painted)
    assert first_paints == ["One ▌", "One, done."]
    # not at the wake, nor after its model said it was done (its final paint comes a moment later)
    assert second_paints == ["Two ▌", "Two and more."]
