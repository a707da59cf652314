"""Issue 13 for Analytics: Reset filters leaves widgets and data in agreement; the password gate; hosting defaults."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

from streamlit import config as streamlit_config
from streamlit.testing.v1 import AppTest

from llm_core.analytics import access
from tests.pages.test_page_analytics import APP, PAGE, ROOT, answer, headline, open_page, texts, write_log

PASSWORD = "correct horse battery staple"
PROMPTS = ("What is the capital of France?", "Tell me about Lyon")

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


def open_locked_page(secrets: dict | None = None) -> AppTest:
    """A fresh browser session on Analytics, with the password in the environment or in Streamlit secrets."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    for name, value in (secrets or {}).items():
        at.secrets[name] = value
    at.run()
    return at.switch_page(str(PAGE.relative_to(ROOT))).run()


def everything_shown(at: AppTest) -> str:
    """Every text, table and widget value the page shows, in one string."""
    tables = [str(frame.value.to_dict()) for frame in at.dataframe]
    fields = [str(field.value) for field in at.text_input]
    return "\n".join([texts(at), *tables, *fields, *(str(m.value) for m in at.metric)])


def unlock(at: AppTest, attempt: str) -> AppTest:
    at.text_input(key="analytics_password").input(attempt)
    return at.button(key="analytics_unlock").click().run()


def test_locked_analytics_shows_nothing_of_the_logs(monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_ANALYTICS_PASSWORD", PASSWORD)
    write_log()
    at = open_locked_page()
    assert not at.exception
    shown = everything_shown(at)
    assert not any(prompt in shown for prompt in PROMPTS)
    assert not at.metric and not at.dataframe and not at.tabs and not at.multiselect
    assert "logs" not in shown  # not even where they are kept
    assert at.text_input(key="analytics_password").proto.type == at.text_input(key="analytics_password").proto.PASSWORD


def test_the_right_password_unlocks_analytics_for_the_browser_session(monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_ANALYTICS_PASSWORD", PASSWORD)
    write_log()
    at = unlock(open_locked_page(), PASSWORD)
    assert not at.exception
    assert headline(at)["Requests"] == "10"
    assert PASSWORD not in everything_shown(at) and PASSWORD not in str(at.session_state.to_dict())
    at.switch_page("pages/compare.py").run()
    at.switch_page(str(PAGE.relative_to(ROOT))).run()
    assert headline(at)["Requests"] == "10"  # remembered: not asked again in this session
    assert open_locked_page().text_input(key="analytics_password")  # another browser session is asked


def test_a_wrong_password_says_so_and_unlocks_nothing(monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_ANALYTICS_PASSWORD", PASSWORD)
    write_log()
    at = unlock(open_locked_page(), "correct horse")
    assert not at.exception
    assert "not the Analytics password" in at.error[0].value
    shown = everything_shown(at)
    assert not at.metric and not any(prompt in shown for prompt in PROMPTS)
    assert "correct horse" not in shown and PASSWORD not in shown
    assert "correct horse" not in str(at.session_state.to_dict())  # what was typed is not kept either
    assert headline(unlock(at, PASSWORD))["Requests"] == "10"  # and the right one still works after


def test_guessing_is_throttled_for_the_whole_server_then_the_password_works_again(monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_ANALYTICS_PASSWORD", PASSWORD)
    clock = [1000.0]
    monkeypatch.setattr(access, "attempts", access.Throttle(clock=lambda: clock[0]))
    write_log()
    for guess in range(access.FAILURES_ALLOWED):  # each from a new browser session, as a guesser would
        assert "not the Analytics password" in unlock(open_locked_page(), f"guess {guess}").error[0].value

    at = unlock(open_locked_page(), PASSWORD)  # even the right password waits now: it is not checked
    assert "Too many wrong passwords" in at.error[0].value and "try again in 60 s" in at.error[0].value
    assert not at.metric

    clock[0] += access.WINDOW_S
    assert headline(unlock(at, PASSWORD))["Requests"] == "10"


def test_a_throttle_forgets_failures_older_than_its_window():
    clock = [0.0]
    throttle = access.Throttle(allowed=2, window_s=60, clock=lambda: clock[0])
    throttle.failed()
    clock[0] = 30
    throttle.failed()
    assert throttle.wait_s() == 30  # until the first failure is a minute old
    clock[0] = 60
    assert throttle.wait_s() == 0
    throttle.failed()
    assert throttle.wait_s() == 30  # the second failure, at 30 s, ages out at 90 s


def test_the_password_can_come_from_streamlit_secrets():
    write_log()
    at = open_locked_page(secrets={"SWITCHBOARD_ANALYTICS_PASSWORD": PASSWORD})
    assert not at.metric
    assert headline(unlock(at, PASSWORD))["Requests"] == "10"


def test_shipped_config_sends_no_usage_statistics():
    config = tomllib.loads((Path(ROOT) / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert "browser.gatherUsageStats" in streamlit_config.get_config_options()  # a name Streamlit reads


def test_the_analytics_password_is_scrubbed_from_a_logged_error(monkeypatch, store):
    monkeypatch.setenv("SWITCHBOARD_ANALYTICS_PASSWORD", PASSWORD)
    assert access.analytics_password() == PASSWORD
    store.append_response(answer("gpt-4o-mini", status="error", error=f"upstream echoed {PASSWORD} back", text=""))
    logged = store.requests_path.read_text()
    assert "upstream echoed" in logged and PASSWORD not in logged
