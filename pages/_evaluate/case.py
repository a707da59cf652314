"""One case opened: the answers side by side with their checks, the Compare page's diff, a rating and a vote."""

from __future__ import annotations

import streamlit as st

from llm_core.evaluate.records import run_table
from llm_core.evaluate.suite import Suite
from llm_core.session.diff import word_diff
from llm_core.session.votes import ALL_BAD, TIE, choice_label
from pages._compare.verdict import diff_html

BADGE = {"pass": ":green-badge[pass]", "fail": ":red-badge[fail]", "skipped": ":gray-badge[not graded]"}


def render_case(store, run_id: str, suite: Suite, case_ids: list[str], models: list[str]) -> None:
    """Pick a case from the grid's rows and read its answers side by side."""
    if not case_ids:
        st.caption("No case matches these filters.")
        return
    case_id = st.selectbox("Open a case", case_ids, key="eval_case")
    case = suite.case(case_id)
    cells = run_table(store, "cells", run_id)
    cells = cells[cells["case_id"] == case_id]
    repeats = sorted(int(r) for r in cells["repeat"].unique())
    if not repeats:
        st.caption("This case has not been answered yet.")
        return
    repeat = st.selectbox("Repeat", repeats, key="eval_case_repeat") if len(repeats) > 1 else repeats[0]
    st.markdown(f"**Prompt** · `{case.id}`")
    st.text(case.prompt)
    if case.expected:
        st.caption(f"Expected: {case.expected}")
    checks = run_table(store, "checks", run_id)
    shown = []
    columns = st.columns(max(1, len(models)))
    for column, model in zip(columns, models, strict=False):
        row = cells[(cells["model"] == model) & (cells["repeat"] == repeat)]
        with column, st.container(border=True, key=f"eval_answer_{model}"):
            st.markdown(f"**{model}**")
            if row.empty:
                st.caption("Not answered yet.")
                continue
            cell = row.iloc[-1]
            found = store.find_request(cell["request_id"]) or {}
            text = str(found.get("response") or "")
            shown.append((model, cell["request_id"], text))
            own = checks[(checks["case_id"] == case_id) & (checks["model"] == model) & (checks["repeat"] == repeat)]
            for check in own.to_dict("records"):
                st.markdown(f"{BADGE.get(check['outcome'], check['outcome'])} `{check['check']}` {check['detail']}")
            measured = "cached" if cell["cached"] == "yes" else f"{cell['latency_ms']:.0f} ms"
            st.caption(f"{measured} · ${(cell['cost_usd'] or 0):.6f}")
            st.text(text)
            render_rating(store, cell["request_id"], model)
    if len(shown) >= 2:
        render_diff(shown)
        render_vote(store, f"{run_id}:{case_id}:{repeat}", shown)


def render_diff(shown: list[tuple[str, str, str]]) -> None:
    """Word-level differences between two of the answers, as on Compare: any two of them when there are more."""
    texts = {model: text for model, _, text in shown}
    models = list(texts)
    with st.expander("Differences", icon=":material/difference:"):
        left, right = models[0], models[1]
        if len(models) > 2:
            with st.container(horizontal=True):
                left = st.selectbox("From", models, key="eval_diff_left")
                right = st.selectbox("To", models, index=1, key="eval_diff_right")
        st.markdown(f"**Differences** from {left} to {right}")
        st.html(diff_html(word_diff(texts[left], texts[right])))


def render_rating(store, request_id: str, model: str) -> None:
    """Stars for one answer, logged like a rating on Compare."""
    stars = st.feedback("stars", key=f"eval_rate_{request_id}")
    rated = st.session_state.setdefault("eval_rated", {})
    if stars is not None and rated.get(request_id) != stars:
        store.append_rating(request_id, stars + 1)
        rated[request_id] = stars
        st.toast(f"Rated {model}'s answer {stars + 1} stars")


def render_vote(store, comparison_id: str, shown: list[tuple[str, str, str]]) -> None:
    """Which answer was better, logged as a person's vote beside the judge's."""
    voted = st.session_state.setdefault("eval_voted", {})
    if comparison_id in voted:
        st.success(f"Your vote: {voted[comparison_id]}", icon=":material/how_to_vote:")
        return
    sides = len(shown)
    labels = {rid: choice_label(model, sides) for model, rid, _ in shown}
    labels |= {choice: choice_label(choice, sides) for choice in (TIE, ALL_BAD)}  # 'Both bad', or 'All bad'
    question = "Which answer is better?" if sides == 2 else "Which answer is best?"
    choice = st.radio(question, list(labels), format_func=labels.get, horizontal=True, key="eval_vote")
    if st.button("Vote", key="eval_vote_button", icon=":material/how_to_vote:"):
        store.append_vote(comparison_id, choice, [m for m, _, _ in shown], [r for _, r, _ in shown], rater="human")
        voted[comparison_id] = labels[choice]
        st.rerun()
