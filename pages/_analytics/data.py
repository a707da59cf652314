"""The Analytics page's caches: what is derived from the log is computed once per log state and filter choice.

The log store reads files incrementally and keeps them for the process; these caches sit on top, keyed on the
files' signature (identity, size, modification time) and the filters, so a rerun or a filter change never
parses a file again and never recomputes a table or chart it has already made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import streamlit as st

from llm_core.analytics import battle_views, charts, distributions, filters, ratings, style_control, summary
from llm_core.analytics import leaderboard as arena
from llm_core.store.csv_store import LogStore
from llm_core.store.read import Table, only_appended

SIDEBAR_SESSIONS = 500  # the most recent sessions the Session filter lists
TABLES: dict[str, Callable[[pd.DataFrame], object]] = {
    "totals": summary.overall_totals,
    "summary": summary.model_summary,
    "latency": lambda f: distributions.quantile_boxes(f, "latency_ms"),
    "ttft": lambda f: distributions.quantile_boxes(f, "ttft_ms"),
    "speed": lambda f: distributions.quantile_boxes(f, "tokens_per_s"),
    "sample": lambda f: distributions.capped_sample(f, ["completion_tokens", "latency_ms"]),
    "prompt_tokens": lambda f: distributions.histogram(f, "prompt_tokens", integer=True),
    "completion_tokens": lambda f: distributions.histogram(f, "completion_tokens", integer=True),
    "reasoning_tokens": lambda f: _reported_histogram(f, "reasoning_tokens"),
    "cached_prompt_tokens": lambda f: _reported_histogram(f, "cached_prompt_tokens"),
    "over_time": distributions.over_time,
    "statuses": distributions.status_shares,
    "errors": summary.common_errors,
    "stars": ratings.star_distribution,
    "star_intervals": ratings.star_intervals,
}


def _reported_histogram(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """The histogram of a count only some providers report; empty when no request has a non-zero one."""
    if column not in frame or not (pd.to_numeric(frame[column], errors="coerce").fillna(0) > 0).any():
        return distributions.histogram(frame.iloc[:0], "completion_tokens", integer=True)
    return distributions.histogram(frame, column, integer=True)


def file_signature(*paths: Path) -> tuple:
    """Identity, size and modification time of each file: a cache key that changes exactly when a file does."""
    signature = []
    for path in paths:
        try:
            stat = path.stat()
        except FileNotFoundError:
            signature.append((str(path), None, None, None))
            continue
        signature.append((str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns))
    return tuple(signature)


def log_signature(store: LogStore, *paths: Path) -> tuple:
    """A cache key that changes exactly when these logs do: the files' signatures, or the database tables' counts."""
    table_signature = getattr(store, "table_signature", None)  # the database store's; CSV files are stat'ed
    return tuple(table_signature(path.stem) for path in paths) if table_signature else file_signature(*paths)


@dataclass
class _Choices:
    version: tuple  # the request log's, when these were made
    rows: int
    every_session: filters.FilterChoices


@st.cache_resource(show_spinner=False)
def _choices_by_log() -> dict[str, _Choices]:
    """The filter choices last made for each log, every session in them (shared by the process's sessions)."""
    return {}


def log_choices(store: LogStore, requests: Table, numbers: pd.DataFrame) -> filters.FilterChoices:
    """What the sidebar filters offer; after rows were only appended to the log, only the new rows are read and
    merged into the choices made before (a pass over a million rows costs about 0.2 s)."""
    version, memo = requests.version[0], _choices_by_log()  # the requests' own version: ratings change no choice
    known = memo.get(store.location)
    if known is not None and known.version == version:
        every = known.every_session
    elif known is not None and only_appended(known.version, version) and known.rows <= len(numbers):
        every = filters.merged_choices(known.every_session, filters.filter_choices(numbers.iloc[known.rows :], None),
                                       max_sessions=None)  # fmt: skip
    else:
        every = filters.filter_choices(numbers, max_sessions=None)
    memo[store.location] = _Choices(version, len(numbers), every)
    return replace(every, sessions=every.sessions.head(SIDEBAR_SESSIONS))


@st.cache_data(max_entries=8, show_spinner=False)
def load_battles(_store: LogStore, signature: tuple) -> tuple[pd.DataFrame, int, list[str], list[str]]:
    """The battles in the votes log, how many votes were skipped as unreadable and why, and the notes on votes read
    altered; read again only when the log changes (`signature`, which names the store, stands for `_store`)."""
    votes = _store.read_votes()
    return arena.battles_from_votes(votes.frame), votes.skipped, votes.skip_reasons, votes.notes


@st.cache_data(max_entries=128, show_spinner=False)
def derive(kind: str, key: tuple, _frame: pd.DataFrame) -> object:
    """One table of numbers (see TABLES) for the filtered log; `key` stands for `_frame`."""
    return TABLES[kind](_frame)


@st.cache_data(max_entries=16, show_spinner=False)
def arena_battles(votes: tuple, requests: tuple, filters: object, _battles: pd.DataFrame, _requests: pd.DataFrame,
                  _full: Table) -> tuple[pd.DataFrame, set[str]]:  # fmt: skip
    """The battles between the filtered requests that both answered ok, with each one's template and prompt
    category, and the demo models among them.

    The key is what it reads: the votes file's signature, the request log's (each side's status is looked up
    there, and another process may log the answers after the vote, or the file may be replaced) and the filters
    (None when every battle counts). `_full` is the whole request log as the page read it, its prompts read
    from its texts for the battles only."""
    battles = arena.answered_battles(_battles, _requests)
    battles = arena.filter_battles(battles, _requests, restricted=filters is not None)
    return battle_views.with_context(battles, _full.frame, _full.texts), battle_views.demo_models(_requests)


@st.cache_data(max_entries=4, show_spinner="Measuring the answers' length and Markdown…")
def arena_styles(key: tuple, _battles: pd.DataFrame, _requests: Table) -> pd.DataFrame:
    """The battles with the style of both answers, for style control: only these answers' texts are read, a batch
    at a time, and only their counts kept. `key` (as `arena_battles`') stands for both."""
    return style_control.with_style(_battles, _requests.frame, _requests.texts)


@st.cache_data(max_entries=64, show_spinner=False)
def arena_blind(key: tuple, choice: battle_views.BoardChoice, min_battles: int, _battles: pd.DataFrame,
                _demos: set[str]) -> battle_views.BlindCount:  # fmt: skip
    """How many of the votes `choice` counts were blind, and whether they alone can rank; `key` stands for
    `_battles`."""
    return battle_views.blind_count(_battles, choice, _demos, min_battles)


@st.cache_data(max_entries=32, show_spinner=False)
def arena_tables(key: tuple, choice: battle_views.BoardChoice, min_battles: int, style: bool, _battles: pd.DataFrame,
                 _demos: set[str]) -> tuple[arena.Board, pd.DataFrame]:  # fmt: skip
    """The leaderboard (under style control when `style`, the battles then carrying their answers' style) and
    pairwise table of the battles `choice` counts; `key` stands for `_battles`."""
    chosen = battle_views.choose_battles(_battles, choice, _demos)
    board = arena.leaderboard(chosen, min_battles=min_battles, style_control=style)
    ranked = board.ranked["model"].tolist()
    among = chosen[chosen["model_a"].isin(ranked) & chosen["model_b"].isin(ranked)]
    return board, arena.pairwise(among, ranked)


@st.cache_data(max_entries=256, show_spinner=False)
def chart_spec(name: str, key: tuple, _build: Callable) -> dict:
    """A chart's Vega-Lite spec, built (and validated by Altair) once per filtered log."""
    return _build().to_dict()


@dataclass(frozen=True)
class View:
    """The filtered log, the cache key that stands for it, and every model in the log (for stable colours)."""

    key: tuple
    frame: pd.DataFrame
    models: list[str]

    def get(self, kind: str):
        """A table of numbers for this view, from the cache when it was made before."""
        return derive(kind, self.key, self.frame)

    def chart(self, name: str, build: Callable, width: str = "stretch") -> None:
        """Draw a chart with its caption and a PNG/SVG download that is rendered only when clicked."""
        spec = chart_spec(name, self.key, build)
        st.vega_lite_chart(spec, width=width, key=f"analytics_chart_{name}")
        with st.container(horizontal=True, vertical_alignment="top", wrap=False):
            st.caption(charts.CAPTIONS[name])
            download = st.popover("Save", icon=":material/download:", type="tertiary", help="PNG or SVG")
        with download:
            for fmt, mime in (("png", "image/png"), ("svg", "image/svg+xml")):
                st.download_button(
                    fmt.upper(),
                    data=lambda fmt=fmt: charts.to_image(spec, fmt),
                    file_name=f"switchboard-{name}.{fmt}",
                    mime=mime,
                    on_click="ignore",
                    key=f"analytics_{name}_{fmt}",
                    width="stretch",
                )
