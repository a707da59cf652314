"""The results grid (cases × models, badges, latency, cost) with its filters, and the case picked from it."""

from __future__ import annotations

import streamlit as st

from llm_core.evaluate.results import disagreeing, failing_checks, grid
from llm_core.evaluate.suite import Suite


def filtered_cases(store, run_id: str, suite: Suite) -> list[str]:
    """The case ids that pass the page's filters: tags, a failing check, models that disagree."""
    tags = sorted({t for c in suite.cases for t in c.tags})
    failing = failing_checks(store, run_id)
    left, middle, right = st.columns(3)
    chosen_tags = left.multiselect("Tags", tags, key="eval_filter_tags")
    check = middle.selectbox("Failing check", ["(any)", *sorted(failing)], key="eval_filter_check")
    disagree = right.checkbox("Only where models disagree", key="eval_filter_disagree")
    ids = [c.id for c in suite.cases if not chosen_tags or set(chosen_tags) & set(c.tags)]
    if check != "(any)":
        ids = [i for i in ids if i in failing[check]]
    if disagree:
        split = disagreeing(store, run_id)
        ids = [i for i in ids if i in split]
    return ids


def render_grid(store, run_id: str, case_ids: list[str], models: list[str], key: str = "eval_grid") -> None:
    """The grid itself: one row per case, one column per model."""
    frame = grid(store, run_id, case_ids, models)
    st.dataframe(frame, hide_index=True, width="stretch", key=key)
