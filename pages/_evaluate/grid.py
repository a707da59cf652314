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


def render_grid(
    store, run_id: str, case_ids: list[str], models: list[str], key: str = "eval_grid", live: bool = False
) -> None:
    """The grid itself: one row per case, one column per model; clicking a row opens that case below it."""
    frame = grid(store, run_id, case_ids, models)
    if live:  # while the run goes on the grid only fills; rows are picked once it is done
        st.dataframe(frame, hide_index=True, width="stretch", key=key)
        return
    event = st.dataframe(
        frame, hide_index=True, width="stretch", key=key, on_select="rerun", selection_mode="single-row"
    )
    rows = event.selection.rows if event is not None else []
    picked = frame["case"].iloc[rows[0]] if rows else None
    # open the clicked case once: the case picker below stays the user's until another row is clicked
    if picked is not None and picked != st.session_state.get("eval_grid_picked"):
        st.session_state["eval_case"] = picked
    st.session_state["eval_grid_picked"] = picked
