"""The Analytics page's tabs: each lays out tables and charts of numbers the core computed. Layout only."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from llm_core import analytics, charts
from pages._analytics_data import View

RATING_SOURCES = ["Arena rating", "Mean stars"]
METHOD_NOTE = (
    "Each vote becomes battles: the chosen answer beats every other pane. **Tie** and **both bad** make a tie "
    "between every pair, worth half a win to each side, as in Chatbot Arena. Ratings are a Bradley–Terry fit on "
    "Arena's scale (400 points = 10× the odds of winning; the average model is 1000) with 95% intervals from 200 "
    "bootstrap resamples of the votes; rank is 1 + the number of models whose whole interval lies above."
)
SUMMARY_COLUMNS = {
    "model": st.column_config.TextColumn("Model", pinned=True),
    "provider": "Provider",
    "requests": st.column_config.NumberColumn("Requests", format="localized"),
    "error_rate": st.column_config.NumberColumn("Errors", format="percent", help="Share of requests that failed"),
    "latency_p50": st.column_config.NumberColumn("Latency", format="%.0f ms", help="Median total time"),
    "latency_p95": st.column_config.NumberColumn("p95", format="%.0f ms", help="95th percentile of total time"),
    "ttft_p50": st.column_config.NumberColumn("1st token", format="%.0f ms", help="Median time to first token"),
    "tokens_per_s_p50": st.column_config.NumberColumn("Tok/s", format="%.0f", help="Median tokens per second"),
    "prompt_tokens_mean": st.column_config.NumberColumn("In", format="%.0f", help="Mean prompt tokens"),
    "completion_tokens_mean": st.column_config.NumberColumn("Out", format="%.0f", help="Mean completion tokens"),
    "cost_total": st.column_config.NumberColumn("Cost", format="$%.2f", help="Total cost"),
    "cost_per_request": st.column_config.NumberColumn("$/req", format="$%.5f", help="Mean cost per request"),
    "stars_mean": st.column_config.NumberColumn("Stars", format="%.2f ★", help="Mean of the latest ratings"),
    "stars_count": st.column_config.NumberColumn("Rated", format="localized", help="How many answers were rated"),
}
BOARD_COLUMNS = {
    "rank": st.column_config.NumberColumn("Rank", width="small"),
    "model": "Model",
    "rating": st.column_config.NumberColumn("Rating", format="%.0f"),
    "lower": st.column_config.NumberColumn("95% low", format="%.0f"),
    "upper": st.column_config.NumberColumn("95% high", format="%.0f"),
    "battles": "Battles",
    "wins": "Wins",
    "ties": "Ties",
    "losses": "Losses",
    "win_rate": st.column_config.NumberColumn("Win rate", format="percent"),
}
STARS_COLUMNS = {
    "model": "Model",
    "stars_mean": st.column_config.NumberColumn("Stars", format="%.2f"),
    "ratings": "Ratings",
    "lower": st.column_config.NumberColumn("95% low", format="%.2f"),
    "upper": st.column_config.NumberColumn("95% high", format="%.2f"),
}
ERROR_COLUMNS = {
    "kind": "Kind",
    "message": st.column_config.TextColumn("Error", width="large"),
    "count": "Count",
    "models": "Models",
    "last_seen": st.column_config.DatetimeColumn("Last seen (UTC)", format="YYYY-MM-DD HH:mm"),
}
RECENT_COLUMNS = {
    "timestamp": st.column_config.DatetimeColumn("Time (UTC)", format="YYYY-MM-DD HH:mm:ss"),
    "model": "Model",
    "status": "Status",
    "latency_ms": st.column_config.NumberColumn("Latency", format="%.0f ms"),
    "completion_tokens": "Tokens",
    "cost_usd": st.column_config.NumberColumn("Cost", format="$%.5f"),
    "stars": "Stars",
    "prompt": st.column_config.TextColumn("Prompt", width="large"),
}


def _percent(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.1%}"


def _ms(value: float) -> str:
    return "—" if pd.isna(value) else f"{value / 1000:,.1f} s" if value >= 10_000 else f"{value:,.0f} ms"


def _dollars(value: float) -> str:
    return "—" if pd.isna(value) else f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def _stars(value: float) -> str:
    return "" if pd.isna(value) else "★" * int(value)


def headline(totals: dict) -> None:
    """Five numbers above the tabs, for the whole filtered log."""
    cells = st.columns(5)
    cells[0].metric("Requests", f"{totals['requests']:,.0f}", border=True)
    cells[1].metric("Models", f"{totals['models']:,.0f}", border=True)
    cells[2].metric("Error rate", _percent(totals["error_rate"]), border=True)
    cells[3].metric("Median latency", _ms(totals["latency_p50"]), border=True)
    cells[4].metric("Total cost", _dollars(totals["cost_total"]), border=True)


def summary_tab(view: View) -> None:
    st.dataframe(view.get("summary"), column_config=SUMMARY_COLUMNS, hide_index=True)
    st.caption(
        "Error rate counts every request; latency, first token, tokens/s and token counts count successful "
        "requests only. Cost per request averages the requests whose cost is known."
    )


def speed_tab(view: View) -> None:
    models = view.models
    left, right = st.columns(2)
    with left:
        view.chart("latency", lambda: charts.box_plot(view.get("latency"), models, "Latency", "ms"))
        view.chart("tokens-per-second", lambda: charts.box_plot(view.get("speed"), models, "Tokens/s", "tokens/s"))
    with right:
        view.chart("ttft", lambda: charts.box_plot(view.get("ttft"), models, "Time to first token", "ms"))
        view.chart("latency-vs-tokens", lambda: charts.latency_scatter(view.get("sample"), models))


def tokens_tab(view: View) -> None:
    left, right = st.columns(2)
    for column, kind, title in ((left, "prompt", "Prompt tokens"), (right, "completion", "Completion tokens")):
        with column:
            bins = view.get(f"{kind}_tokens")
            view.chart(
                f"{kind}-tokens", lambda b=bins, t=title: charts.distribution_lines(b, view.models, t, t.lower())
            )


def time_tab(view: View) -> None:
    unit, buckets = view.get("over_time")

    def draw(name: str, measure: str, title: str, fmt: str, legend_columns: int = 2) -> None:
        view.chart(name, lambda: charts.over_time(buckets, view.models, measure, unit, title, fmt, legend_columns))

    draw("requests-over-time", "requests", f"Requests per {unit}", ",d", legend_columns=4)
    left, right = st.columns(2)
    with left:
        draw("latency-over-time", "latency_p50", f"Median latency per {unit} (ms)", ",.0f")
    with right:
        draw("cost-over-time", "cost", f"Cost per {unit} (USD)", "$,.4~f")


def ratings_tab(view: View) -> None:
    left, right = st.columns(2)
    with left:
        if view.get("stars").empty:
            st.info("No star ratings under these filters: rate answers on the Compare page.", icon=":material/star:")
        else:
            view.chart("stars", lambda: charts.star_bars(view.get("stars")))
    with right:
        view.chart("outcomes", lambda: charts.status_bars(view.get("statuses")))
    st.subheader("Most common errors")
    errors = view.get("errors")
    if errors.empty:
        st.success("No errors in these requests.", icon=":material/check_circle:")
    else:
        st.dataframe(errors, column_config=ERROR_COLUMNS, hide_index=True)


def leaderboard_tab(view: View, board: pd.DataFrame, pairs: pd.DataFrame) -> None:
    stars = view.get("star_intervals")
    left, right = st.columns([3, 2])
    with left:
        st.subheader("Arena leaderboard")
        if board.empty:
            st.info("No votes under these filters: on the Compare page, pick the better answer, a tie or both bad.",
                    icon=":material/how_to_vote:")  # fmt: skip
        else:
            st.dataframe(board, column_config=BOARD_COLUMNS, hide_index=True)
            view.chart("ratings", lambda: charts.interval_plot(board, "rating", "Rating", ",.0f", view.models))
        st.caption(METHOD_NOTE)
    with right:
        st.subheader("Mean stars")
        if stars.empty:
            st.info("No star ratings under these filters.", icon=":material/star:")
        else:
            st.dataframe(stars, column_config=STARS_COLUMNS, hide_index=True)
            view.chart("mean-stars", lambda: charts.interval_plot(stars, "stars_mean", "Stars", ".2f", view.models))
    if not pairs.empty:
        order = board["model"].tolist()
        left, right = st.columns(2)
        with left:
            view.chart("win-rates", lambda: charts.heatmap(pairs, order, "win_rate", "Win rate, row v column", ".0%"),
                       width="content")  # fmt: skip
        with right:
            view.chart("battle-counts", lambda: charts.heatmap(pairs, order, "battles", "Battles fought", ",d"),
                       width="content")  # fmt: skip


def quality_tab(view: View, board: pd.DataFrame) -> None:
    stars = view.get("star_intervals")
    source = st.radio("Rating", RATING_SOURCES, index=0 if not board.empty else 1, horizontal=True,
                      key="analytics_quality_rating")  # fmt: skip
    by_arena = source == RATING_SOURCES[0]
    ratings = board.set_index("model")["rating"] if by_arena else stars.set_index("model")["stars_mean"]
    table = analytics.quality_frontier(view.get("summary"), ratings)
    if table.empty:
        st.info("No rated models under these filters: vote or rate answers on the Compare page.",
                icon=":material/insights:")  # fmt: skip
        return
    rated = View((*view.key, source), view.frame, view.models)
    left, right = st.columns(2)
    for column, name, x, front, title in (
        (left, "quality-vs-cost", "cost_per_request", "front_cost", "cost per request (USD)"),
        (right, "quality-vs-latency", "latency_p50", "front_latency", "median latency (ms)"),
    ):
        with column:
            rated.chart(name, lambda x=x, f=front, t=title: charts.frontier_scatter(table, x, f, t, view.models))


def forget_selection() -> None:
    st.session_state.pop("analytics_recent", None)


def requests_tab(view: View, full: pd.DataFrame) -> None:
    query = st.text_input("Search prompts, answers, models, errors and ids", key="analytics_search",
                          on_change=forget_selection, placeholder="Type to search")  # fmt: skip
    recent = analytics.recent_requests(full, query, among=view.frame.index)
    st.caption(f"The {len(recent):,} most recent matching requests; select one to read it in full.")
    shown = recent.drop(columns="request_id").assign(stars=recent["stars"].map(_stars))
    event = st.dataframe(shown, column_config=RECENT_COLUMNS, hide_index=True,
                         on_select="rerun", selection_mode="single-row", key="analytics_recent")  # fmt: skip
    rows = [row for row in event.selection.rows if row < len(recent)]
    if rows:
        show_request(full.loc[recent.index[rows[0]]])


def show_request(row: pd.Series) -> None:
    """One request in full: what was asked, what came back, and how it went."""
    with st.container(border=True, key="analytics_request"):
        st.markdown(f"**{row['model']}** · {row['status']} · {row['timestamp']:%Y-%m-%d %H:%M:%S} UTC · "
                    f"request `{row['request_id']}`")  # fmt: skip
        for title, column in (("System prompt", "system"), ("Prompt", "prompt"), ("Response", "response")):
            if isinstance(row[column], str) and (row[column] or column != "system"):
                st.caption(title)
                st.code(row[column], language=None, wrap_lines=True)
        if isinstance(row["error"], str) and row["error"]:
            st.error(row["error"], icon=":material/error:")
