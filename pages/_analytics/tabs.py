"""The Analytics page's tabs: each lays out tables and charts of numbers the core computed. Layout only."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from llm_core.analytics import charts, summary
from llm_core.analytics.leaderboard import Board, interval_text
from llm_core.analytics.ratings import quality_frontier
from llm_core.analytics.search import recent_requests
from llm_core.analytics.token_sources import sources_note
from llm_core.store.read import Table
from llm_core.store.texts import with_texts
from pages._analytics.columns import (
    BOARD_COLUMNS,
    ERROR_COLUMNS,
    PROVISIONAL_COLUMNS,
    RECENT_COLUMNS,
    STARS_COLUMNS,
    STYLE_COLUMNS,
    SUMMARY_COLUMNS,
)  # fmt: skip
from pages._analytics.data import View

MISSING = "–"  # what a table shows where a figure does not exist (Streamlit's own is 'None')

RATING_SOURCES = ["Arena rating", "Mean stars"]
METHOD_NOTE = (
    "Each vote is one choice of an answer among the panes shown, and the ratings are the strengths that make the "
    "choices made most likely: the chosen answer's model is picked with probability proportional to 10^(rating/400) "
    "among the models shown (a conditional logit, the first step of Plackett–Luce; with two panes it is Chatbot "
    "Arena's Bradley–Terry fit). So a best-of-4 vote counts once, as one choice among four, not as three separate "
    "wins, and says nothing about how the three others compare. **Tie** and **both bad** share the choice equally "
    "among the panes (between two, half a win each, as in Arena). Ratings are on Arena's scale: 400 points is 10× "
    'the odds of winning, and the battle-weighted average is 1000. The 95% intervals are closed-form "sandwich" '
    "intervals, as Arena-Rank computes them, each vote its own cluster; there is no resampling, so the same votes "
    "give the same intervals and ranks whatever their order (2,000 votes over 20 models, shuffled: identical ranks "
    "and intervals to the last digit). A model that never lost (or never won) against the ranked ones has no "
    'finite rating: it shows an open bound, "> 1450" meaning above the low end of the best model it beat. Rank is '
    "1 + the number of models whose whole interval lies above. Models with fewer battles than the threshold are "
    "provisional and take no part in the fit, so they move no one else's interval. A battle counts only when both "
    "answers came back whole (status ok): a failed, stopped or cut-short answer neither wins nor loses."
)
STYLE_NOTE = (
    "Under style control each answer's length (characters) and Markdown (headers, list items, bold, outside code "
    "blocks) enter the fit beside the models, as in Chatbot Arena: for each feature, a pane's difference from the "
    "other panes, relative to their size ((a − b) / (a + b + 1) between two), divided by its standard deviation. "
    "The ratings are then those of answers alike in style, and each coefficient is what one standard deviation "
    "more of a feature is worth, in rating points."
)


def _percent(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.1%}"


def _ms(value: float) -> str:
    return "—" if pd.isna(value) else f"{value / 1000:,.1f} s" if value >= 10_000 else f"{value:,.0f} ms"


def _dollars(value: float) -> str:
    return "—" if pd.isna(value) else f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def _stars(value: float) -> str:
    return "" if pd.isna(value) else "★" * int(value)


def titled_table(
    title: str, table: pd.DataFrame, columns: dict, empty: str, icon: str, say: Callable = st.info
) -> bool:
    """A subheader over `table`, or over what `empty` says when it has no rows; whether the table was shown."""
    st.subheader(title)
    if table.empty:
        say(empty, icon=icon)
        return False
    st.dataframe(table, column_config=columns, hide_index=True, placeholder=MISSING)
    return True


def headline(totals: dict) -> None:
    """Five numbers above the tabs, for the whole filtered log."""
    cells = st.columns(5)
    cells[0].metric("Requests", f"{totals['requests']:,.0f}", border=True)
    cells[1].metric("Models", f"{totals['models']:,.0f}", border=True)
    cells[2].metric("Error rate", _percent(totals["error_rate"]), border=True)
    cells[3].metric("Median latency", _ms(totals["latency_p50"]), border=True)
    cells[4].metric("Total cost", _dollars(totals["cost_total"]), border=True)


def summary_tab(view: View) -> None:
    """One row per model: volume, errors, speed, tokens, cost and stars."""
    table = view.get("summary")
    absent = [name for name in summary.OPTIONAL_SUMMARY if name in table and table[name].isna().all()]
    st.dataframe(table.drop(columns=absent), column_config=SUMMARY_COLUMNS, hide_index=True, placeholder=MISSING)
    st.caption(
        "Error rate counts every request; latency, first token, tokens/s and token counts count successful "
        "requests only. Cost per request averages the requests whose cost is known. Cut off counts the answers "
        "that stopped at max tokens rather than because the model was done. Out includes reasoning tokens; "
        "cost prices cached prompt tokens at the catalog's cached price. Reasoning, cached and billed columns "
        "appear when a provider reports them."
    )


def speed_tab(view: View) -> None:
    """Latency, time to first token and tokens per second per model, and latency against length."""
    models = view.models
    left, right = st.columns(2)
    with left:
        view.chart("latency", lambda: charts.box_plot(view.get("latency"), models, "Latency", "ms"))
        view.chart("tokens-per-second", lambda: charts.box_plot(view.get("speed"), models, "Tokens/s", "tokens/s"))
    with right:
        view.chart("ttft", lambda: charts.box_plot(view.get("ttft"), models, "Time to first token", "ms"))
        view.chart("latency-vs-tokens", lambda: charts.latency_scatter(view.get("sample"), models))


def tokens_tab(view: View) -> None:
    """How long each model's prompts and answers are."""
    left, right = st.columns(2)
    for column, kind, title in ((left, "prompt", "Prompt tokens"), (right, "completion", "Completion tokens")):
        with column:
            bins = view.get(f"{kind}_tokens")
            view.chart(
                f"{kind}-tokens", lambda b=bins, t=title: charts.distribution_lines(b, view.models, t, t.lower())
            )
    reported = [(kind, title) for kind, title in (("reasoning", "Reasoning tokens"), ("cached_prompt", "Cached prompt "
                "tokens")) if not view.get(f"{kind}_tokens").empty]  # fmt: skip
    for column, (kind, title) in zip(st.columns(2) if reported else [], reported, strict=False):
        with column:
            bins = view.get(f"{kind}_tokens")
            name = f"{kind.replace('_', '-')}-tokens"
            view.chart(name, lambda b=bins, t=title: charts.distribution_lines(b, view.models, t, t.lower()))
    if note := sources_note(view.frame):
        st.caption(note)


def time_tab(view: View) -> None:
    """Requests, median latency and cost per hour, day, week or month."""
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
    """Star ratings and outcomes per model, then the most common errors."""
    left, right = st.columns(2)
    with left:
        if view.get("stars").empty:
            st.info("No star ratings under these filters: rate answers on the Compare page.", icon=":material/star:")
        else:
            view.chart("stars", lambda: charts.star_bars(view.get("stars")))
    with right:
        view.chart("outcomes", lambda: charts.status_bars(view.get("statuses")))
    no_errors = "No errors in these requests."
    titled_table("Most common errors", view.get("errors"), ERROR_COLUMNS, no_errors, ":material/check_circle:",
                 say=st.success)  # fmt: skip


def arena_board(view: View, board: Board) -> None:
    """The ratings fitted to the votes, as a table and an interval plot, the provisional models, what style is
    worth under style control, and the method."""
    st.subheader("Arena leaderboard")
    ranked = board.ranked
    if ranked.empty:
        say_what_is_missing(board)
    else:
        shown = ranked.assign(interval=[interval_text(lo, hi) for lo, hi in zip(ranked["lower"], ranked["upper"],
                                                                                 strict=True)])  # fmt: skip
        st.dataframe(
            shown[list(BOARD_COLUMNS)],
            column_config=BOARD_COLUMNS,
            hide_index=True,
            placeholder=MISSING,
            key="analytics_board",
        )
        plotted = View((*view.key, board_key(ranked)), view.frame, view.models)
        order = ranked["model"].tolist()
        drawn = charts.finite_intervals(ranked)
        plotted.chart("ratings", lambda: charts.interval_plot(drawn, "rating", "Rating", ",.0f", view.models, order))
    if not board.provisional.empty:
        count = len(board.provisional)
        with st.expander(f"Provisional: {count} {'model' if count == 1 else 'models'} with too few battles to rank",
                         expanded=ranked.empty):  # fmt: skip
            st.dataframe(board.provisional, column_config=PROVISIONAL_COLUMNS, hide_index=True, placeholder=MISSING,
                         key="analytics_provisional")  # fmt: skip
    if st.session_state.get("analytics_style_control"):
        style_coefficients(board)
    with st.expander("How the ratings are computed"):
        st.caption(METHOD_NOTE)


def style_coefficients(board: Board) -> None:
    """What each style feature is worth, with a sentence each, and the battles style control had to leave out."""
    st.markdown("**Style coefficients**")
    if board.unstyled:
        st.caption(f"{board.unstyled:,} battles are left out: an answer's text is not in the request log.")
    style = board.style
    if style.empty:
        st.caption("No style coefficient yet: it takes at least two ranked models.")
    else:
        fitted = style["points"].notna().to_numpy()
        worth = [f"{points:+,.0f}" if known else "—" for points, known in zip(style["points"], fitted, strict=True)]
        intervals = [interval_text(lo, hi) if known else "—"
                     for lo, hi, known in zip(style["lower"], style["upper"], fitted, strict=True)]  # fmt: skip
        shown = style.assign(worth=worth, interval=intervals)
        st.dataframe(shown[list(STYLE_COLUMNS)], column_config=STYLE_COLUMNS, hide_index=True, placeholder=MISSING,
                     key="analytics_style")  # fmt: skip
        sentences = zip(style["feature"], style["meaning"], strict=True)
        st.markdown("\n".join(f"- **{feature}**: {sentence}" for feature, sentence in sentences))
    st.caption(STYLE_NOTE)


def board_key(ranked: pd.DataFrame) -> tuple:
    """What a chart of the board depends on, for its cache key (the board follows its own choices too)."""
    return tuple(map(tuple, ranked[["model", "rating", "lower", "upper"]].astype(str).to_numpy()))


def say_what_is_missing(board: Board) -> None:
    """Why nothing is ranked yet, and how many more votes it takes."""
    blind = " Only blind votes are counted: turn off **Blind votes only** to count the others too." if (
        st.session_state.get("analytics_blind_only")) else ""  # fmt: skip
    if board.provisional.empty:
        st.info(f"No votes under these choices: on the Compare page, pick the better answer, a tie or both bad. "
                f"It takes {board.min_battles} votes between two models to rank them.{blind}",
                icon=":material/how_to_vote:")  # fmt: skip
        return
    if board.battles_needed:
        st.info(f"Not enough votes to rank yet: a model needs {board.min_battles} battles against other ranked "
                f"models. At least {board.battles_needed:,} more battles would rank the first two: that many votes "
                f"between two answers (a best-of-3 or best-of-4 vote gives a battle against each other pane).{blind}",
                icon=":material/how_to_vote:")  # fmt: skip
    else:
        st.info("Nothing can be rated yet: no two models have both won and lost against each other, so every "
                "rating would be unbounded. A few more votes between the same models will settle it.",
                icon=":material/how_to_vote:")  # fmt: skip


def mean_stars(view: View) -> None:
    """Each model's mean star rating with its 95% interval."""
    stars = view.get("star_intervals")
    if titled_table("Mean stars", stars, STARS_COLUMNS, "No star ratings under these filters.", ":material/star:"):
        view.chart("mean-stars", lambda: charts.interval_plot(stars, "stars_mean", "Stars", ".2f", view.models))


def head_to_head(view: View, order: list[str], pairs: pd.DataFrame) -> None:
    """How often each model beat each other one, and how many battles that rests on."""
    left, right = st.columns(2)
    with left:
        view.chart("win-rates", lambda: charts.heatmap(pairs, order, "win_rate", "Win rate, row v column", ".0%"),
                   width="content")  # fmt: skip
    with right:
        view.chart("battle-counts", lambda: charts.heatmap(pairs, order, "battles", "Battles fought", ",d"),
                   width="content")  # fmt: skip


def leaderboard_tab(view: View, board: Board, pairs: pd.DataFrame) -> None:
    """The arena leaderboard beside the mean stars, then the head-to-head record."""
    left, right = st.columns([3, 2])
    with left:
        arena_board(view, board)
    with right:
        mean_stars(view)
    if not pairs.empty:
        ranked = View((*view.key, board_key(board.ranked)), view.frame, view.models)
        head_to_head(ranked, board.ranked["model"].tolist(), pairs)


def quality_tab(view: View, board: Board) -> None:
    """Each rated model's quality against its cost and its latency, with the models nothing beats."""
    board = board.ranked.dropna(subset=["rating"])
    stars = view.get("star_intervals")
    source = st.radio("Rating", RATING_SOURCES, index=0 if not board.empty else 1, horizontal=True,
                      key="analytics_quality_rating")  # fmt: skip
    by_arena = source == RATING_SOURCES[0]
    ratings = board.set_index("model")["rating"] if by_arena else stars.set_index("model")["stars_mean"]
    table = quality_frontier(view.get("summary"), ratings)
    if table.empty:
        st.info("No rated models under these filters: vote or rate answers on the Compare page.",
                icon=":material/insights:")  # fmt: skip
        return
    rated = View((*view.key, source, board_key(board)), view.frame, view.models)
    left, right = st.columns(2)
    for column, name, x, front, title in (
        (left, "quality-vs-cost", "cost_per_request", "front_cost", "cost per request (USD)"),
        (right, "quality-vs-latency", "latency_p50", "front_latency", "median latency (ms)"),
    ):
        with column:
            rated.chart(name, lambda x=x, f=front, t=title: charts.frontier_scatter(table, x, f, t, view.models))


def forget_selection() -> None:
    """A new search starts with no request selected."""
    st.session_state.pop("analytics_recent", None)


def requests_tab(view: View, requests: Table) -> None:
    """Search the filtered requests, newest first, and read one in full (its texts read only then)."""
    query = st.text_input("Search prompts, answers, models, errors and ids", key="analytics_search",
                          on_change=forget_selection, placeholder="Type to search")  # fmt: skip
    full = requests.frame
    recent = recent_requests(full, query, among=view.frame.index, texts=requests.texts)
    st.caption(f"The {len(recent):,} most recent matching requests; select one to read it in full.")
    shown = recent.drop(columns="request_id").assign(stars=recent["stars"].map(_stars))
    shown.insert(shown.columns.get_loc("status") + 1, "cut_off", summary.cut_by_max_tokens(full.loc[recent.index]))
    event = st.dataframe(shown, column_config=RECENT_COLUMNS, hide_index=True, placeholder=MISSING,
                         on_select="rerun", selection_mode="single-row", key="analytics_recent")  # fmt: skip
    rows = [row for row in event.selection.rows if row < len(recent)]
    if rows:
        position = recent.index[rows[0]]
        show_request(with_texts(full, requests.texts, [position], SHOWN_COLUMNS).iloc[0])


SHOWN_COLUMNS = ["model", "status", "timestamp", "request_id", "system", "prompt", "response", "error"]


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
