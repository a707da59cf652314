"""The per-model summary with charts, people against the judge, run against run, and the downloads."""

from __future__ import annotations

import streamlit as st

from llm_core.evaluate.agreement import agreements
from llm_core.evaluate.records import list_runs
from llm_core.evaluate.results import results_csv, results_json, run_against_run
from llm_core.evaluate.summary import summarise

MISSING = "–"  # what a table shows where a figure does not exist (Streamlit's own is 'None')

CHARTS = {"pass_rate": "Pass rate", "judge_score": "Judge score", "cost_usd": "Cost (USD)", "p50_latency_ms": "p50 ms"}
COLUMNS = {  # the summary's figures in words and units; the table keeps the core's column names
    "model": st.column_config.TextColumn("Model"),
    "cells": st.column_config.NumberColumn("Cells"),
    "passed": st.column_config.NumberColumn("Passed"),
    "pass_rate": st.column_config.NumberColumn("Pass rate", format="percent"),
    "judge_score": st.column_config.NumberColumn("Judge score", format="%.1f", help="mean rubric grade, 1-10"),
    "wins": st.column_config.NumberColumn("Wins", help="pairwise judge"),
    "losses": st.column_config.NumberColumn("Losses", help="pairwise judge"),
    "ties": st.column_config.NumberColumn("Ties", help="pairwise judge"),
    "inconsistent": st.column_config.NumberColumn("Inconsistent", help="the two orders disagreed: a tie"),
    "p50_latency_ms": st.column_config.NumberColumn("p50 ms", format="%.0f", help="cached cells left out"),
    "p95_latency_ms": st.column_config.NumberColumn("p95 ms", format="%.0f", help="cached cells left out"),
    "cached": st.column_config.NumberColumn("Cached"),
    "cost_usd": st.column_config.NumberColumn("Cost", format="$%.6f"),
}
CHANGES = {
    "case_id": st.column_config.TextColumn("Case"),
    "model": st.column_config.TextColumn("Model"),
    "before": st.column_config.CheckboxColumn("Passed before"),
    "after": st.column_config.CheckboxColumn("Passed now"),
    "change": st.column_config.TextColumn("Change"),
}


def render_summary(store, run_id: str, models: list[str]) -> None:
    """The per-model table and one bar chart per figure."""
    table = summarise(store, run_id, models)
    st.dataframe(
        table, hide_index=True, placeholder=MISSING, width="stretch", key="eval_summary", column_config=COLUMNS
    )
    charts = st.columns(len(CHARTS))
    for column, (name, title) in zip(charts, CHARTS.items(), strict=True):
        with column:
            st.caption(title)
            values = table.set_index("model")[name]
            if values.notna().any():
                st.bar_chart(values, horizontal=True, height=160)
            else:
                st.caption("–")
    found = agreements(store.read_votes().frame)
    for agreement in found:
        kappa = "undefined" if agreement.kappa is None else f"{agreement.kappa:.2f}"
        st.caption(
            f"People and the judge {agreement.judge} agree on {agreement.agreed:.0%} of the {agreement.pairs}"
            f" pairs both voted on (Cohen's kappa {kappa})."
        )


def render_run_against_run(store, run_id: str, suite_name: str) -> None:
    """Pick an earlier run of the same suite and see which cases got better or worse."""
    runs = list_runs(store, suite_name)
    earlier = [r for r in runs["run_id"] if r != run_id]
    if not earlier:
        st.caption("Run this suite again to compare one run with another.")
        return
    labels = dict(zip(runs["run_id"], runs["started"], strict=True))
    other = st.selectbox("Earlier run", earlier, format_func=lambda r: f"{r} · {labels[r]}", key="eval_against")
    changes = run_against_run(store, other, run_id)
    better, worse = int((changes["change"] == "better").sum()), int((changes["change"] == "worse").sum())
    st.markdown(f"Since {other}: **{better} better**, **{worse} worse**.")
    st.dataframe(
        changes, hide_index=True, placeholder=MISSING, width="stretch", key="eval_changes", column_config=CHANGES
    )


def render_downloads(store, run_id: str) -> None:
    """The results as formula-safe CSV and as JSON."""
    left, right = st.columns(2)
    left.download_button("Download CSV", results_csv(store, run_id), f"eval-{run_id}.csv", "text/csv", key="eval_csv")
    right.download_button(
        "Download JSON", results_json(store, run_id), f"eval-{run_id}.json", "application/json", key="eval_json"
    )
