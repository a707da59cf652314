"""Issue 13 for Analytics: Reset filters leaves widgets and data in agreement; the password gate; hosting defaults."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from tests.test_page_analytics import headline, open_page, write_log

FILTERS_PICKED = {"analytics_period": "Custom range", "analytics_models": ["claude-haiku"],
                  "analytics_session": "evening"}  # fmt: skip
FILTER_DEFAULTS = {"analytics_period": "All time", "analytics_models": [], "analytics_session": ""}


def shown_in_the_browser(at: AppTest, last_picked: dict) -> dict:
    """What a browser shows in each widget after a run: a browser keeps what the user picked unless the server
    sends a new value with the widget (AppTest itself reads widgets from session state, so it cannot tell)."""
    shown = {}
    for key, picked in last_picked.items():
        widget = at.get_by_key(key)
        shown[key] = widget.value if widget.proto.set_value else picked
    return shown


def test_reset_puts_every_widget_back_and_the_next_filter_applies_alone():
    write_log()
    at = open_page()
    at.selectbox(key="analytics_period").set_value("Custom range").run()
    at.date_input(key="analytics_dates").set_value((date(2025, 3, 2), date(2025, 3, 3))).run()
    at.multiselect(key="analytics_models").set_value(["claude-haiku"]).run()
    at.selectbox(key="analytics_session").set_value("evening").run()
    assert headline(at)["Requests"] == "1"

    at.button(key="analytics_reset").click().run()
    shown = shown_in_the_browser(at, FILTERS_PICKED)
    assert shown == FILTER_DEFAULTS
    assert not at.date_input  # no custom range any more
    assert headline(at)["Requests"] == "10"

    for key, value in shown.items():  # the browser sends every widget's value with the next change
        at.get_by_key(key).set_value(value)
    at.multiselect(key="analytics_statuses").set_value(["error"]).run()
    assert headline(at).get("Requests") == "1"  # only the failed request: no old filter came back
    assert at.multiselect(key="analytics_models").value == []
