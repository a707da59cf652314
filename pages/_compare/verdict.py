"""Under the panes: the vote on the latest turn (with the blind reveal) and the word-level diff of two answers."""

from __future__ import annotations

import html

import streamlit as st

from llm_core.session.conversation import Conversation
from llm_core.session.diff import word_diff
from llm_core.session.votes import vote_choices
from pages._compare import state

DIFF_STYLE = {
    "delete": "background:#fde2e1;color:#8a1c1c;text-decoration:line-through;border-radius:3px;padding:0 2px",
    "insert": "background:#dcf5e3;color:#14532d;border-radius:3px;padding:0 2px",
}


def render_vote(c: Conversation) -> None:
    """'A is better / B is better / Tie / Both bad' among the panes that answered ok; locked, and names revealed,
    once cast. A cast vote ticks and names its winner by request, so reshuffling the panes cannot move it."""
    people = c.contenders()
    vote = c.votes.get(c.last_comparison_id)
    if len(people) < 2 or not (vote or c.can_vote()):
        return
    ticked = c.vote_choice(vote) if vote else None
    with st.container(key="vote", border=True):
        st.markdown("**Which answer is better?**" if len(people) == 2 else "**Which answer is best?**")
        with st.container(horizontal=True, gap="small"):
            for choice, label in vote_choices([p.letter for p in people]):
                st.button(
                    label,
                    key=f"vote_{choice}",
                    on_click=state.vote,
                    args=(choice,),
                    disabled=vote is not None,
                    type="primary" if choice == ticked else "secondary",
                    icon=":material/check:" if choice == ticked else None,
                )
        if vote:
            st.success(f"Vote saved: {c.verdict(vote)}.", icon=":material/how_to_vote:")
            render_continue_with_winner(c, vote)


def render_continue_with_winner(c: Conversation, vote) -> None:
    """One click closes the other panes and keeps the winner's conversation going (the vote stays logged)."""
    winner = next((p for p in c.judged(vote) if p.exchange.result.request_id == vote.winner), None)
    if winner is None or len(c.panes) < 2:  # a tie or all bad: no winner to go on with
        return
    st.button(
        f"Continue with {winner.letter} only",
        icon=":material/arrow_forward:",
        key="continue_winner",
        on_click=state.continue_with,
        args=(winner.pane.id,),
        help="Close the other panes and keep talking to the winner",
        disabled=c.live is not None,
    )


def render_diff(c: Conversation) -> None:
    """Word-level differences between two panes' last answers: removed words struck through, added ones green."""
    if not st.session_state.get("diff") or c.live is not None:  # the answers are not there yet
        return
    answered = [p for p in c.shown() if p.last is not None and p.last.result.text]
    with st.container(key="diff_view", border=True):
        if len(answered) < 2:
            st.caption("The diff needs two panes with an answer.")
            return
        titles = {p.id: c.title(p) for p in answered}
        ids = list(titles)
        left, right = ids[0], ids[1]
        if len(answered) > 2:
            with st.container(horizontal=True):
                left = st.selectbox("From", ids, format_func=titles.get, key="diff_left")
                right = st.selectbox("To", ids, index=1, format_func=titles.get, key="diff_right")
        st.markdown(f"**Differences** from {titles[left]} to {titles[right]}")
        runs = word_diff(c.pane(left).last.result.text, c.pane(right).last.result.text)
        st.html(diff_html(runs))


def diff_html(runs: list[tuple[str, str]]) -> str:
    """The diff runs as escaped HTML: deletions struck through in red, insertions in green."""
    spans = []
    for op, text in runs:
        escaped = html.escape(text)
        spans.append(f'<span style="{DIFF_STYLE[op]}">{escaped}</span>' if op in DIFF_STYLE else escaped)
    return f'<div style="white-space:pre-wrap;line-height:1.6;font-size:0.95rem">{"".join(spans)}</div>'
