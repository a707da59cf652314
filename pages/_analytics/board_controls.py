"""The leaderboard's own choices: whose votes count, blind votes only or all, demo models in or out, the threshold
to rank, one template or prompt category at a time, and style control."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from llm_core.analytics.battle_views import ALL, BoardChoice, raters
from llm_core.analytics.categories import CATEGORIES
from llm_core.analytics.leaderboard import DEFAULT_RATER, MIN_BATTLES
from pages._analytics.data import arena_blind

ALL_RATERS = "All raters"
THRESHOLD_HELP = "A model with fewer battles against ranked models is listed as provisional, not ranked."
BLIND_KEY = "analytics_blind_only"
BLIND_SET = "analytics_blind_only_set"  # the user's own choice (None until made), kept while the tab is closed
STYLE_HELP = (
    "Fit the ratings with each answer's length and Markdown (headers, list items, bold) beside the models, as "
    "Chatbot Arena's default view does: a model is then not rated up for writing longer or more formatted answers, "
    "and a table below says what each feature is worth. It reads the texts of the answers voted on."
)


RATER_KEY, SCOPE_KEY, THRESHOLD_KEY = "analytics_rater", "analytics_board_scope", "analytics_min_battles"
DEMO_KEY, STYLE_KEY = "analytics_include_demo", "analytics_style_control"
DEFAULTS = {THRESHOLD_KEY: MIN_BATTLES, DEMO_KEY: False, STYLE_KEY: False}


def keep_choices() -> None:
    """Keep the board's choices while its tab is closed: Streamlit forgets a widget's value on a run that does not
    draw it, unless the script writes it back (run on every run of the page, before the tabs)."""
    for key in (RATER_KEY, SCOPE_KEY, THRESHOLD_KEY, DEMO_KEY, STYLE_KEY):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def _offered(key: str, options: list) -> list:
    """`options`, having dropped a kept choice that is no longer among them (another filter, a new log)."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]
    return options


def _rater_name(rater: str) -> str:
    return ALL_RATERS if rater == ALL else "People" if rater == DEFAULT_RATER else f"Judge: {rater}"


def _scope_name(scope: tuple[str, str]) -> str:
    kind, value = scope
    return "Every prompt" if not kind else f"Template: {value or '(none)'}" if kind == "template" else value.title()


def _scopes(battles: pd.DataFrame) -> list[tuple[str, str]]:
    """Every prompt, then each prompt category and each template that has battles."""
    found = set(battles["category"]) if "category" in battles else set()
    templates = sorted(set(battles["template"]) - {""}) if "template" in battles else []
    return [("", ""), *[("category", c) for c in CATEGORIES if c in found], *[("template", t) for t in templates]]


def _blind_help(votes: int, blind: int, enough: bool, min_battles: int) -> str:
    said = (f"Count only votes cast in a blind round, where the voter could not see which model wrote which answer "
            f"(Chatbot Arena counts only such votes). {blind:,} of these {votes:,} votes were blind. ")  # fmt: skip
    when = (f"On by default when the blind votes alone rank at least two models at {min_battles} battles each"
            f"{', as they do here' if enough else '; they do not yet'}.")  # fmt: skip
    return said + when


def _blind_toggle(key: tuple, choice: BoardChoice, min_battles: int, battles: pd.DataFrame, demos: set[str]) -> bool:
    """The "Blind votes only" toggle: on by default when the blind votes alone rank at least two models."""
    count = arena_blind(key, choice, min_battles, battles, demos)
    chosen = st.session_state.get(BLIND_SET)  # the default follows the votes until the user sets it
    st.session_state[BLIND_KEY] = count.enough if chosen is None or not count.blind else chosen
    return st.toggle("Blind votes only", key=BLIND_KEY, disabled=not count.blind, on_change=_blind_set,
                     help=_blind_help(count.votes, count.blind, count.enough, min_battles))  # fmt: skip


def _blind_set() -> None:
    """The user set "Blind votes only": their choice stands from now on, whatever the other choices."""
    st.session_state[BLIND_SET] = st.session_state[BLIND_KEY]


def board_choices(key: tuple, battles: pd.DataFrame, demos: set[str]) -> tuple[BoardChoice, int, bool]:
    """The widgets above the leaderboard, and what they chose: the battles to count, the threshold, and whether
    to fit with style control. `key` stands for `battles` in the caches."""
    everyone = raters(battles)
    options = [DEFAULT_RATER, *[r for r in everyone if r != DEFAULT_RATER], ALL] if everyone else [DEFAULT_RATER]
    with st.container(horizontal=True, vertical_alignment="bottom", key="analytics_board_choices"):
        rater = st.selectbox("Votes from", _offered(RATER_KEY, options), format_func=_rater_name, key=RATER_KEY,
                             help="People's votes and automatic judges' are counted apart; pick one.")  # fmt: skip
        scope = st.selectbox("Prompts", _offered(SCOPE_KEY, _scopes(battles)), format_func=_scope_name, key=SCOPE_KEY,
                             help="The same board over one prompt category or one template. A prompt's category "
                             "comes from its words: code, maths, writing, or other.")  # fmt: skip
        for name, default in DEFAULTS.items():  # set here, not as the widgets' values, as the page writes them back
            st.session_state.setdefault(name, default)
        min_battles = st.number_input("Battles to rank", min_value=1, max_value=10_000, step=5, key=THRESHOLD_KEY,
                                      help=THRESHOLD_HELP)  # fmt: skip
    kind, value = scope
    choice = BoardChoice(rater=rater, template=value if kind == "template" else ALL,
                         category=value if kind == "category" else ALL)  # fmt: skip
    with st.container(horizontal=True, vertical_alignment="center", key="analytics_board_toggles"):
        shown_demos = sorted(demos & (set(battles["model_a"]) | set(battles["model_b"]))) if len(battles) else []
        include_demo = st.toggle("Include demo models", key=DEMO_KEY,
                                 disabled=not shown_demos,
                                 help="The offline echo models answer without a model: " +
                                 (", ".join(shown_demos) if shown_demos else "none in these votes"))  # fmt: skip
        choice = replace(choice, include_demo=include_demo)
        choice = replace(choice, blind_only=_blind_toggle(key, choice, int(min_battles), battles, demos))
        style = st.toggle("Style control", key=STYLE_KEY, help=STYLE_HELP)
    return choice, int(min_battles), style
