"""The Analytics page, driven like a user: logs written through the log store, then filters, tabs and tables."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from llm_core.analytics import charts
from llm_core.record import Result
from llm_core.store.cells import format_header, format_row
from llm_core.store.csv_store import FIRST_REQUEST_COLUMNS, LogStore

ROOT = Path(__file__).parents[2]
APP = ROOT / "streamlit_app.py"
PAGE = ROOT / "pages" / "analytics.py"
DAY = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PROVIDERS = {"gpt-4o-mini": "openai", "claude-haiku": "anthropic", "llama-8b": "groq"}


def answer(model: str, **fields) -> Result:
    """One finished request, as the engine hands it to the log store."""
    values = {
        "provider": PROVIDERS[model],
        "status": "ok",
        "timestamp": DAY,
        "prompt": "What is the capital of France?",
        "text": "Paris.",
        "latency_ms": 1000.0,
        "ttft_ms": 200.0,
        "prompt_tokens": 12,
        "completion_tokens": 30,
        "tokens_per_s": 40.0,
        "cost_usd": 0.001,
        "session_id": "morning",
    }
    values.update(fields)
    return Result(model=model, requested_model=model, **values)


def write_log(store: LogStore | None = None) -> LogStore:
    """Three models over three days; claude-haiku wins every vote; one gpt request failed."""
    store = store or LogStore(fsync=False)
    for day in range(3):
        answers = [
            answer("gpt-4o-mini", latency_ms=800.0 + day * 100, timestamp=DAY + timedelta(days=day),
                   template="summarise" if day == 0 else "", comparison_id=f"c{day}"),
            answer("claude-haiku", latency_ms=1500.0, timestamp=DAY + timedelta(days=day), comparison_id=f"c{day}",
                   session_id="evening" if day == 2 else "morning"),
            answer("llama-8b", latency_ms=300.0, timestamp=DAY + timedelta(days=day), comparison_id=f"c{day}",
                   prompt=f"Tell me about Lyon, day {day}", text=f"Lyon is in France (day {day})."),
        ]  # fmt: skip
        for result in answers:
            assert store.append_response(result) == ""
        store.append_rating(answers[1].request_id, 5)
        store.append_rating(answers[0].request_id, 3)
        models = [r.model for r in answers]
        store.append_vote(f"c{day}", answers[1].request_id, models, [r.request_id for r in answers])
    failed = answer("gpt-4o-mini", status="error", error="Rate limit reached", error_kind="rate_limit",
                    latency_ms=50.0, text="", completion_tokens=None, timestamp=DAY + timedelta(days=1))  # fmt: skip
    store.append_response(failed)
    return store


def split_votes(store: LogStore) -> None:
    """Two votes where gpt-4o-mini and llama-8b each beat the other once, so the two have finite ratings."""
    for number, winner in enumerate(("gpt-4o-mini", "llama-8b")):
        pair = [answer("gpt-4o-mini", comparison_id=f"s{number}"), answer("llama-8b", comparison_id=f"s{number}")]
        for result in pair:
            assert store.append_response(result) == ""
        chosen = next(r.request_id for r in pair if r.model == winner)
        store.append_vote(f"s{number}", chosen, [r.model for r in pair], [r.request_id for r in pair])


def rank_from_one_battle(at: AppTest) -> AppTest:
    """The leaderboard's threshold down to one battle, as a user sets it for a small log."""
    at.session_state["analytics_min_battles"] = 1
    return at


def open_page() -> AppTest:
    """A fresh browser session on the Analytics page."""
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    return at.switch_page(str(PAGE.relative_to(ROOT))).run()


def show_tab(at: AppTest, tab: str) -> AppTest:
    at.session_state["analytics_tab"] = tab
    return at.run()


def headline(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def chart_rows(chart) -> int:
    """How many data rows a chart sent to the browser."""
    return sum(pa.ipc.open_stream(dataset.data.data).read_all().num_rows for dataset in chart.proto.datasets)


def test_router_opens_the_analytics_page():
    write_log()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("pages/analytics.py").run()
    assert not at.exception
    assert at.title[0].value == "Analytics"
    assert headline(at)["Requests"] == "10"


def test_empty_logs_explain_how_to_fill_the_page():
    at = open_page()
    assert not at.exception
    assert "No logs yet" in at.info[0].value
    assert not at.metric and not at.tabs


def test_summary_shows_each_models_numbers():
    write_log()
    at = open_page()
    assert not at.exception
    assert headline(at) == {"Requests": "10", "Models": "3", "Error rate": "10.0%", "Median latency": "900 ms",
                            "Total cost": "$0.0100"}  # fmt: skip
    summary = at.dataframe[0].value.set_index("model")
    gpt = summary.loc["gpt-4o-mini"]
    assert (gpt["requests"], gpt["error_rate"]) == (4, 0.25)
    assert gpt["latency_p50"] == 900  # the failed request's 50 ms is not a latency
    assert (gpt["stars_mean"], gpt["stars_count"]) == (3, 3)
    assert summary.loc["claude-haiku", "stars_mean"] == 5
    assert summary.loc["llama-8b", "provider"] == "groq"


def test_corrupt_rows_are_skipped_with_a_visible_count():
    store = write_log()
    with store.requests_path.open("ab") as log:
        log.write(b'"2025-03-02T00:00:00+00:00","bad-latency","","","openai","gpt-4o-mini","gpt-4o-mini","","",'
                  b'"p","r","ok","","not a number",,,,"",,,,,"","",,1,"",""\r\n')  # fmt: skip
        log.write(b'"only","three","fields"\r\n')
    with store.votes_path.open("ab") as log:
        log.write(b'"2025-03-02T00:00:00+00:00","c9","tie","not json","[]"\r\n')
    at = open_page()
    assert not at.exception
    assert "2 log rows could not be read and were skipped" in at.warning[0].value
    assert headline(at)["Requests"] == "10"
    show_tab(at, "Leaderboard")
    assert [w.value.split(";")[0] for w in at.warning] == [
        "2 log rows could not be read and were skipped",
        "1 log row could not be read and was skipped",  # the vote, counted where votes are used
    ]
    assert at.dataframe[0].value["model"].tolist()[0] == "claude-haiku"


def test_logs_from_the_first_version_still_read():
    store = LogStore(fsync=False)
    store.directory.mkdir(parents=True)
    rows = [
        ["2025-01-05T10:00:00+00:00", "old1", "c1", "s1", "openai", "gpt-4o-mini", "gpt-4o-mini", "", "", "hi",
         "hello", "ok", "", 700.0, 100.0, 5, 7, "provider", 10.0, 0.0001, 0.7, 256],
        ["2025-01-05T10:00:01+00:00", "old2", "c1", "s1", "groq", "llama-8b", "llama-8b", "", "", "hi", "",
         "error", "boom", 40.0, None, 5, None, "estimate", None, None, 0.7, 256],
    ]  # fmt: skip
    store.requests_path.write_text(format_header(FIRST_REQUEST_COLUMNS) + "".join(map(format_row, rows)), newline="")
    store.append_rating("old1", 4)
    at = open_page()
    assert not at.exception
    assert not at.warning
    summary = at.dataframe[0].value.set_index("model")
    assert summary.loc["gpt-4o-mini", "latency_p50"] == 700
    assert summary.loc["llama-8b", "error_rate"] == 1
    show_tab(at, "Ratings & errors")
    assert not at.exception
    assert at.dataframe[0].value["kind"].tolist() == ["other"]  # no error_kind back then


@pytest.mark.parametrize(
    ("widget", "value", "requests"),
    [
        ("analytics_models", ["llama-8b"], "3"),
        ("analytics_providers", ["openai", "anthropic"], "7"),
        ("analytics_templates", ["summarise"], "1"),
        ("analytics_statuses", ["error"], "1"),
        ("analytics_session", "evening", "1"),
    ],
)
def test_each_filter_narrows_the_page(widget, value, requests):
    write_log()
    at = open_page()
    at.get_by_key(widget).set_value(value).run()
    assert not at.exception
    assert headline(at)["Requests"] == requests
    assert at.dataframe[0].value["requests"].sum() == int(requests)


def test_date_range_and_recent_periods_filter_by_day():
    write_log()
    at = open_page()
    at.selectbox(key="analytics_period").set_value("Custom range").run()
    at.date_input(key="analytics_dates").set_value((date(2025, 3, 2), date(2025, 3, 3))).run()
    assert headline(at)["Requests"] == "7"
    at.selectbox(key="analytics_period").set_value("Last 7 days").run()  # the log is from 2025
    assert "No requests match these filters" in at.info[0].value
    at.button(key="analytics_reset").click().run()
    assert headline(at)["Requests"] == "10"


def test_leaderboard_puts_the_model_that_wins_every_vote_first():
    split_votes(write_log())
    at = show_tab(rank_from_one_battle(open_page()), "Leaderboard")
    assert not at.exception
    board = at.dataframe[0].value  # the leaderboard, beside the mean stars
    assert board["model"].tolist()[0] == "claude-haiku"
    assert board["rank"].tolist()[0] == 1
    assert board["interval"].tolist()[0].startswith("> ")  # it never lost: no upper bound
    others = board.set_index("model").loc[["gpt-4o-mini", "llama-8b"], "rating"]
    assert others.iloc[0] == pytest.approx(others.iloc[1])  # one win each against the other
    assert "half a win" in texts(at)
    assert len(at.get("vega_lite_chart")) == 4  # ratings, mean stars, win rates, battle counts


def test_a_small_board_lists_provisional_models_and_says_what_it_needs():
    write_log()
    at = show_tab(open_page(), "Leaderboard")
    assert not at.exception
    assert "a model needs 20 battles" in texts(at)
    provisional = at.dataframe[0].value.set_index("model")
    assert provisional["battles"].to_dict() == {"claude-haiku": 6, "gpt-4o-mini": 3, "llama-8b": 3}
    assert provisional.loc["gpt-4o-mini", "why"] == "17 more battles to be ranked"


def test_leaderboard_follows_the_filters():
    write_log()
    at = rank_from_one_battle(open_page())
    at.multiselect(key="analytics_models").set_value(["gpt-4o-mini", "claude-haiku"]).run()
    at = show_tab(at, "Leaderboard")
    provisional = at.dataframe[0].value.set_index("model")
    assert provisional["battles"].to_dict() == {"claude-haiku": 3, "gpt-4o-mini": 3}  # battles with llama are gone
    assert "Nothing can be rated yet" in texts(at)  # claude won all three: no finite rating
    at.multiselect(key="analytics_models").set_value(["gpt-4o-mini", "llama-8b"]).run()
    assert "No votes under these choices" in at.info[0].value  # these two never met without claude winning


def test_every_tab_draws_and_no_chart_gets_the_raw_log():
    store = LogStore(fsync=False)
    for i in range(2600):
        model = list(PROVIDERS)[i % 3]
        store.append_response(answer(model, latency_ms=200.0 + i, completion_tokens=1 + i % 900,
                                     timestamp=DAY + timedelta(minutes=7 * i)))  # fmt: skip
    split_votes(write_log(store))
    at = rank_from_one_battle(open_page())
    drawn = {}
    for tab in ("Speed", "Tokens", "Over time", "Ratings & errors", "Leaderboard", "Quality vs cost"):
        show_tab(at, tab)
        assert not at.exception, tab
        drawn[tab] = [chart_rows(chart) for chart in at.get("vega_lite_chart")]
    assert [len(charts_) for charts_ in drawn.values()] == [4, 2, 3, 2, 4, 2]
    assert max(max(rows) for rows in drawn.values()) <= 2100  # 2,609 requests, but at most a capped sample
    assert all(rows > 0 for tab_rows in drawn.values() for rows in tab_rows)


def test_search_and_select_a_request_to_read_it_in_full():
    write_log()
    at = show_tab(open_page(), "Requests")
    at.text_input(key="analytics_search").input("lyon").run()
    recent = at.get_by_key("analytics_recent").value
    assert len(recent) == 3 and set(recent["model"]) == {"llama-8b"}
    assert recent["prompt"].tolist()[0] == "Tell me about Lyon, day 2"  # newest first
    at.session_state["analytics_recent"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    shown = [block.value for block in at.code]
    assert shown == ["Tell me about Lyon, day 1", "Lyon is in France (day 1)."]


def test_downloads_offer_the_filtered_csv_and_every_chart_as_png_and_svg():
    write_log()
    at = open_page()
    at.multiselect(key="analytics_models").set_value(["claude-haiku"]).run()
    assert at.get_by_key("analytics_csv").label == "Download 3 requests (CSV)"
    show_tab(at, "Speed")
    offered = {button.key: button.label for button in at.download_button}
    for chart in ("latency", "ttft", "tokens-per-second", "latency-vs-tokens"):
        assert (offered[f"analytics_{chart}_png"], offered[f"analytics_{chart}_svg"]) == ("PNG", "SVG")
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert charts.to_image(spec, "svg").startswith(b"<svg")
    png = charts.to_image(spec, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000


def test_changing_a_filter_reads_no_log_file_again():
    store = write_log()
    for _ in range(20):  # later rows, so the row doctored below is far from the end of the file
        store.append_response(answer("claude-haiku", prompt="Tell me more. " * 20))
    at = open_page()
    # Doctor a row the page has already read, keeping the file's identity, size, end and time: a page that
    # read the file again would show the doctored name; one that reuses what it read shows the original.
    stat = store.requests_path.stat()
    store.requests_path.write_bytes(store.requests_path.read_bytes().replace(b'"llama-8b"', b'"llama-XX"', 1))
    os.utime(store.requests_path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    at.multiselect(key="analytics_models").set_value(["llama-8b"]).run()
    show_tab(at, "Leaderboard")
    assert "llama-XX" not in at.multiselect(key="analytics_models").options
    assert headline(at)["Requests"] == "3"
    store.append_response(answer("llama-8b", timestamp=DAY))
    at.run()
    assert headline(at)["Requests"] == "4"  # the appended row was read, and only it
    assert "llama-XX" not in at.multiselect(key="analytics_models").options


def test_a_new_row_brings_its_model_and_session_into_the_filters_on_the_next_run():
    store = write_log()
    at = open_page()
    assert "gpt-4o" not in at.multiselect(key="analytics_models").options
    PROVIDERS["gpt-4o"] = "openai"
    try:
        store.append_response(answer("gpt-4o", session_id="late night", timestamp=DAY + timedelta(days=9)))
    finally:
        del PROVIDERS["gpt-4o"]
    at.run()
    assert "gpt-4o" in at.multiselect(key="analytics_models").options
    sessions = at.selectbox(key="analytics_session").options
    assert sessions[1].startswith("late nig · 1 requests")  # the most recent first
    st.cache_resource.clear()  # a new process reads the whole log: the same sessions, the same counts
    st.cache_data.clear()
    assert open_page().selectbox(key="analytics_session").options == sessions
    at.multiselect(key="analytics_models").set_value(["gpt-4o"]).run()
    assert headline(at)["Requests"] == "1"


def test_a_figure_that_does_not_exist_shows_a_dash_not_none():
    write_log()
    at = open_page()
    summary = at.dataframe[0]
    assert summary.value.set_index("model")["stars_mean"].isna().any()  # a model nobody rated
    assert summary.proto.placeholder == "–"  # drawn as "–"; Streamlit's own placeholder is "None"
