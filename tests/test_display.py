"""How answers are titled and measured on screen: human error titles and the line under a streaming answer."""

from llm_core.display import error_title, live_metrics
from llm_core.record import Result


def test_error_titles_are_human():
    r = Result(model="m", requested_model="m", status="error", error_kind="rate_limit", attempts=3)
    assert error_title(r) == "Rate limited (after 3 attempts)"
    r = Result(model="m", requested_model="m", status="incomplete", error_kind="connection", text="Half")
    assert error_title(r) == "Cut short: connection problem"
    assert error_title(Result(model="m", requested_model="m", status="cancelled")) == "Stopped"
    assert error_title(Result(model="m", requested_model="m", status="error", error_kind="auth")).startswith("The API")


def test_live_metrics_show_the_wait_then_ttft_and_rate():
    r = Result(model="m", requested_model="m", status="streaming")
    assert live_metrics(r, 1.26) == "Waiting for the first token… 1.3 s"
    r.ttft_ms, r.tokens_per_s = 240.0, 61.4
    assert live_metrics(r, 2.0) == "TTFT 240 ms · 61 tok/s · 2.0 s · streaming…"
