"""Analytics: the log store as numbers and pictures. Every table and chart follows the filters in the sidebar.

Reading is incremental (the log store) and everything derived is cached on the log files' signature and the
filters (pages/_analytics/data.py), so a filter change re-reads no file; only the open tab is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import streamlit as st

from llm_core.analytics import access, summary
from llm_core.analytics.filters import FilterChoices, Filters, apply_filters
from llm_core.analytics.leaderboard import Board
from llm_core.store.csv_store import RATING_JOIN, REQUEST_COLUMNS, LogReadError, LogStore, default_store, to_safe_csv
from llm_core.store.read import Table
from llm_core.store.texts import with_texts
from pages._analytics import tabs
from pages._analytics.board_controls import board_choices, keep_choices
from pages._analytics.data import (
    View,
    arena_battles,
    arena_styles,
    arena_tables,
    load_battles,
    log_choices,
    log_signature,
)  # fmt: skip
from pages._shared.session import start_session

PERIODS = {"All time": None, "Today": 0, "Last 7 days": 6, "Last 30 days": 29, "Custom range": -1}
TABS = ["Summary", "Speed", "Tokens", "Over time", "Ratings & errors", "Leaderboard", "Quality vs cost", "Requests"]
UNLOCKED = "analytics_unlocked"  # this browser session's token once it gave the password (never the password)
FILTER_DEFAULTS = {"analytics_period": next(iter(PERIODS)), "analytics_models": [], "analytics_providers": [],
                   "analytics_templates": [], "analytics_statuses": [], "analytics_session": ""}  # fmt: skip


def reset_filters() -> None:
    """Every filter back to everything, in the browser too."""
    # Set, not deleted: a value set here travels with the widget to the browser, while a deleted key leaves the
    # browser showing the old choice and sending it back with the next change (streamlit/streamlit#16388).
    st.session_state.update(FILTER_DEFAULTS)
    st.session_state.pop("analytics_dates", None)  # drawn only for a custom range, which the reset leaves


def check_password() -> None:
    """The Unlock button: remember this session when the password is right; keep nothing of what was typed."""
    password = access.analytics_password()
    attempt = st.session_state.get("analytics_password", "")
    st.session_state["analytics_password"] = ""  # set, so the browser's box empties too
    wait_s = access.attempts.wait_s()
    if wait_s:  # too many wrong guesses lately: this attempt is not even checked
        st.session_state["analytics_password_wait_s"] = wait_s
        return
    right = password is not None and access.password_matches(attempt, password)
    st.session_state[UNLOCKED] = access.unlocked_token(password) if right else None
    st.session_state["analytics_wrong_password"] = not right
    if not right:
        access.attempts.failed()


def password_gate() -> None:
    """When Analytics has a password, show only a box for it until this browser session has given it."""
    password = access.analytics_password()
    if password is None or access.is_unlocked(st.session_state.get(UNLOCKED), password):
        return
    st.info("Analytics shows every session's prompts and answers, so it asks for a password first.",
            icon=":material/lock:")  # fmt: skip
    with st.form("analytics_password_form"):
        st.text_input("Password", type="password", key="analytics_password")
        st.form_submit_button("Unlock", on_click=check_password, key="analytics_unlock", icon=":material/lock_open:")
    if st.session_state.pop("analytics_wrong_password", False):
        st.error("That is not the Analytics password. Ask whoever runs this app for it.", icon=":material/error:")
    if wait_s := st.session_state.pop("analytics_password_wait_s", 0):
        st.error(f"Too many wrong passwords in the last minute, so that one was not checked: try again in "
                 f"{max(1, round(wait_s))} s.", icon=":material/timer:")  # fmt: skip
    st.stop()


def chosen_dates(choices: FilterChoices) -> tuple[date | None, date | None]:
    """The period picker and, for a custom range, the date picker (a half-picked range is open-ended)."""
    days = PERIODS[st.selectbox("Period", list(PERIODS), key="analytics_period")]
    if days is None:
        return None, None
    if days >= 0:
        today = datetime.now(UTC).date()
        return today - timedelta(days=days), today
    picked = st.date_input("Dates (UTC)", value=(choices.first_day, choices.last_day), key="analytics_dates")
    picked = tuple(picked) if isinstance(picked, list | tuple) else (picked,)
    return (picked + (None, None))[:2]


def session_namer(sessions: pd.DataFrame) -> Callable[[str], str]:
    """How a session reads in the picker: a short id, its size and when it was last active."""
    names = {
        row.session_id: f"{row.session_id[:8]} · {row.requests:,} requests · {row.last_seen:%b %d %H:%M}"
        for row in sessions.itertuples()
    }
    return lambda session: names.get(session, "All sessions")


def sidebar_filters(choices: FilterChoices) -> Filters:
    """The filter widgets; an empty choice means everything."""
    with st.sidebar:
        st.header("Filters")
        start, end = chosen_dates(choices)
        models = st.multiselect("Models", choices.models, key="analytics_models", placeholder="All models")
        providers = st.multiselect("Providers", choices.providers, key="analytics_providers", placeholder="All")
        templates = st.multiselect("Templates", choices.templates, key="analytics_templates", placeholder="All")
        statuses = st.multiselect("Status", choices.statuses, key="analytics_statuses", placeholder="All")
        session = st.selectbox("Session", ["", *choices.sessions["session_id"]], key="analytics_session",
                               format_func=session_namer(choices.sessions))  # fmt: skip
        st.button("Reset filters", on_click=reset_filters, key="analytics_reset", icon=":material/filter_alt_off:")
    return Filters(start, end, tuple(models), tuple(providers), tuple(templates), tuple(statuses), session)


def csv_download(requests: Table, view: View) -> None:
    """The filtered requests with every column, as a formula-safe CSV made only when clicked (texts read then,
    a chunk of rows at a time)."""
    st.sidebar.download_button(
        f"Download {len(view.frame):,} requests (CSV)",
        data=lambda: b"".join(safe_csv_chunks(requests, view.frame.index.to_numpy())),
        file_name=f"switchboard-requests-{date.today():%Y%m%d}.csv",
        mime="text/csv",
        on_click="ignore",
        key="analytics_csv",
        icon=":material/download:",
        width="stretch",
    )


def safe_csv_chunks(requests: Table, positions, rows: int = 20_000):
    """The requests at `positions` with every column, as formula-safe CSV, a chunk of rows at a time (the header,
    with the byte-order mark, only in the first)."""
    columns = [*REQUEST_COLUMNS, *RATING_JOIN]
    for start in range(0, max(len(positions), 1), rows):
        chunk = to_safe_csv(with_texts(requests.frame, requests.texts, positions[start : start + rows], columns))
        yield chunk if start == 0 else chunk[chunk.index(b"\r\n") + 2 :]


def show_read_notes(skipped: int, reasons: list[str], notes: list[str]) -> None:
    """One message when log rows were skipped or read altered; each one, with its file and row, in an expander."""
    if not skipped and not notes:
        return
    altered = f"not exactly as stored ({len(notes):,} {'note' if len(notes) == 1 else 'notes'} below)"
    if not skipped:
        st.info(f"Some log rows were read, but {altered}; the numbers include them.", icon=":material/info:")
    else:
        rows = (
            "1 log row could not be read and was"
            if skipped == 1
            else f"{skipped:,} log rows could not be read and were"
        )
        them = "it" if skipped == 1 else "them"
        others = f" Some others were read, but {altered}." if notes else ""
        st.warning(f"{rows} skipped; the numbers here leave {them} out.{others}", icon=":material/warning:")
    with st.expander("Which rows, and why"):
        st.text("\n".join([*reasons, *notes]))


def stop_unreadable(store: LogStore, error: LogReadError) -> None:
    """Say the logs could not be read, and why, and stop the page there."""
    st.error(f"The logs in {store.location} could not be read: {error}", icon=":material/error:")
    st.stop()


def vote_tables(store: LogStore, view: View, filters: Filters, full: Table) -> tuple[Board, pd.DataFrame]:
    """The leaderboard and pairwise table of the votes between the filtered requests (all votes when unfiltered),
    counted as the leaderboard's own choices say."""
    vote_files = log_signature(store, store.votes_path)
    try:
        battles, skipped, reasons, notes = load_battles(store, vote_files)
    except LogReadError as e:
        st.error(f"The votes in {store.location} could not be read: {e}", icon=":material/error:")
        st.stop()
    show_read_notes(skipped, reasons, notes)
    # Keyed on the request log too: each battle counts only when both its answers are logged there as ok.
    restricted = view.key if filters != Filters() else None  # the filtered log's key stands for its rows
    key = (vote_files, log_signature(store, store.requests_path), restricted)
    try:  # the prompts voted on (for their category) are read here, and with style control their answers
        counted, demos = arena_battles(*key, battles, view.frame, full)
        choice, min_battles, style = board_choices(key, counted, demos)
        if style:  # only then are the answers voted on read, for their length and Markdown
            counted = arena_styles(key, counted, full)
    except LogReadError as e:
        stop_unreadable(store, e)
    return arena_tables(key, choice, min_battles, style, counted, demos)


start_session()
keep_choices()  # before any early stop: a filter that empties the view keeps them too
st.title("Analytics")
password_gate()
store = default_store()  # CSV files, or the database SWITCHBOARD_DATABASE_URL names
try:
    requests = store.read_requests(summary.PAGE_COLUMNS)  # the numbers: texts are read for the rows shown
except LogReadError as e:
    stop_unreadable(store, e)
st.caption(f"Every request, rating and vote logged in `{store.location}`. Times are UTC.")
show_read_notes(requests.skipped, requests.skip_reasons, requests.notes)
if requests.frame.empty:
    st.info("No logs yet: compare a few models on the Compare page and their numbers will appear here.",
            icon=":material/monitoring:")  # fmt: skip
    st.stop()

request_files = log_signature(store, store.requests_path, store.ratings_path)
numbers = summary.analysed(requests.frame)
choices = log_choices(store, requests, numbers)
filters = sidebar_filters(choices)
view = View((request_files, filters), apply_filters(numbers, filters), choices.models)
csv_download(requests, view)
if view.frame.empty:
    st.info("No requests match these filters.", icon=":material/filter_alt:")
    st.stop()

tabs.headline(view.get("totals"))
summary, speed, tokens, over_time, ratings, leaderboard, quality, recent = st.tabs(
    TABS, key="analytics_tab", on_change="rerun"
)
for tab, draw in ((summary, tabs.summary_tab), (speed, tabs.speed_tab), (tokens, tabs.tokens_tab),
                  (over_time, tabs.time_tab), (ratings, tabs.ratings_tab)):  # fmt: skip
    if tab.open:
        with tab:
            draw(view)
if leaderboard.open or quality.open:  # votes are read only for the tabs that use them
    with leaderboard if leaderboard.open else quality:
        board, pairs = vote_tables(store, view, filters, requests)
        if leaderboard.open:
            tabs.leaderboard_tab(view, board, pairs)
        else:
            tabs.quality_tab(view, board)
if recent.open:
    with recent:
        tabs.requests_tab(view, requests)
