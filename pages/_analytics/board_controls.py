"""The leaderboard's own choices: whose votes count, demo models in or out, the threshold to rank, and one
template or prompt category at a time."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from llm_core.analytics.battle_views import ALL, BoardChoice, raters
from llm_core.analytics.categories import CATEGORIES
from llm_core.analytics.leaderboard import DEFAULT_RATER, MIN_BATTLES

ALL_RATERS = "All raters"
THRESHOLD_HELP = "A model with fewer battles against ranked models is listed as provisional, not ranked."


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


def board_choices(battles: pd.DataFrame, demos: set[str]) -> tuple[BoardChoice, int]:
    """The widgets above the leaderboard, and what they chose."""
    everyone = raters(battles)
    options = [DEFAULT_RATER, *[r for r in everyone if r != DEFAULT_RATER], ALL] if everyone else [DEFAULT_RATER]
    with st.container(horizontal=True, vertical_alignment="bottom", key="analytics_board_choices"):
        rater = st.selectbox("Votes from", options, format_func=_rater_name, key="analytics_rater",
                             help="People's votes and automatic judges' are counted apart; pick one.")  # fmt: skip
        scope = st.selectbox("Prompts", _scopes(battles), format_func=_scope_name, key="analytics_board_scope",
                             help="The same board over one prompt category or one template. A prompt's category "
                             "comes from its words: code, maths, writing, or other.")  # fmt: skip
        min_battles = st.number_input("Battles to rank", min_value=1, max_value=10_000, value=MIN_BATTLES, step=5,
                                      key="analytics_min_battles", help=THRESHOLD_HELP)  # fmt: skip
        shown_demos = sorted(demos & (set(battles["model_a"]) | set(battles["model_b"]))) if len(battles) else []
        include_demo = st.toggle("Include demo models", value=False, key="analytics_include_demo",
                                 disabled=not shown_demos,
                                 help="The offline echo models answer without a model: " +
                                 (", ".join(shown_demos) if shown_demos else "none in these votes"))  # fmt: skip
    kind, value = scope
    choice = BoardChoice(rater=rater, include_demo=include_demo, template=value if kind == "template" else ALL,
                         category=value if kind == "category" else ALL)  # fmt: skip
    return choice, int(min_battles)
