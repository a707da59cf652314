"""How a streaming answer is painted into its pane: what the browser is sent at each beat."""

from __future__ import annotations

from llm_core.record import Result
from pages._compare_panes import LINE_EVERY_S, Slots, paint_live


class Recorder:
    """Stands in for a Streamlit placeholder: remembers what was painted into it, in order."""

    def __init__(self) -> None:
        self.painted: list[str] = []

    def markdown(self, body: str) -> None:
        self.painted.append(body)

    caption = markdown

    def container(self) -> Recorder:
        return self

    def empty(self) -> Recorder:
        return self


def test_the_line_stops_saying_waiting_as_soon_as_the_first_words_are_shown():
    text, line = Recorder(), Recorder()
    slots = Slots(text, line)
    answer = Result(model="echo", requested_model="echo")
    paint_live(slots, answer, 0.0)
    assert line.painted[-1].startswith("Waiting for the first token")

    answer.text, answer.ttft_ms = "Hello there", 120.0
    paint_live(slots, answer, LINE_EVERY_S / 2)  # the line's own beat is not due yet
    assert text.painted[-1].startswith("Hello there")
    assert line.painted[-1].startswith("TTFT 120 ms")


def test_while_text_streams_the_line_keeps_its_own_slower_beat():
    text, line = Recorder(), Recorder()
    slots = Slots(text, line)
    answer = Result(model="echo", requested_model="echo", text="Hello", ttft_ms=120.0)
    paint_live(slots, answer, 0.0)
    lines = len(line.painted)
    answer.text += " there"
    paint_live(slots, answer, LINE_EVERY_S / 2)
    assert text.painted[-1].startswith("Hello there") and len(line.painted) == lines
    answer.text += ", friend"
    paint_live(slots, answer, LINE_EVERY_S * 1.5)
    assert len(line.painted) == lines + 1


def test_four_streaming_panes_share_the_browsers_repaint_budget_of_two():
    """A long tail is re-rendered whole at each repaint, so with more panes each one repaints it less often."""
    repainted = {}
    for streaming in (2, 4):
        text = Recorder()
        slots = Slots(text, Recorder())
        answer = Result(model="echo", requested_model="echo", text="word " * 480, ttft_ms=120.0)  # 2,400 characters
        paint_live(slots, answer, 0.0, streaming)
        answer.text += "more "
        paint_live(slots, answer, 0.3, streaming)
        repainted[streaming] = text.painted[-1].startswith(answer.text.strip())
    assert repainted == {2: True, 4: False}
