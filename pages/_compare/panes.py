"""Drawing the panes: each model's header, its conversation, and the slots where streaming answers are painted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from llm_core.catalog import Catalog
from llm_core.config import Config
from llm_core.record import Result
from llm_core.session.conversation import Conversation
from llm_core.session.details import made_with, own_parameters
from llm_core.session.display import (
    answer_metrics,
    error_title,
    live_metrics,
    prompt_preview,
    prompt_size,
    safe_links,
    settled_blocks,
    with_line_below,
)
from llm_core.session.pane import MIN_PANES, Exchange, Pane, Switch
from llm_core.session.picker import Choice, model_choices
from pages._compare import state
from pages._compare.copy import copy_button
from pages._shared.session import as_plain_text

LINE_EVERY_S = 0.25
PHONE_MAX_PX = 640  # Streamlit's own breakpoint for stacking columns
# A long tail is repainted less often: the browser re-renders all of it each time. The budget is shared by the
# panes still streaming (12,000 characters a second each for two panes, 6,000 for four).
TAIL_CHARS_PER_S = 24_000


@dataclass
class Slots:
    """Where one streaming answer is painted, with its metrics line inside the last element painted.

    While streaming, finished Markdown blocks are painted once and only the growing tail is repainted,
    so a long answer does not make the browser re-render all of it at every beat. The line under the answer
    goes with the tail, so a repaint (and the final paint) reaches the browser as one element, one render.
    """

    text: DeltaGenerator
    line: str = ""  # the metrics line shown under the text
    blocks: DeltaGenerator | None = None
    tail: DeltaGenerator | None = None
    settled: int = 0  # blocks painted
    painted: int = -1  # characters painted
    tail_chars: int = 0
    text_elapsed_s: float = -1.0  # when the text was last painted
    line_elapsed_s: float = -1.0  # when the live line was last updated
    line_has_ttft: bool = False  # the live line shows the time to first token, not "Waiting…"


@dataclass
class Panes:
    """The drawn panes: each one's body, the slots of the answers still streaming, and what draws their stars."""

    bodies: dict[str, DeltaGenerator]
    live: dict[str, Slots]  # request_id -> slots
    ratings: dict[str, Callable[[], None]] = field(default_factory=dict)  # request_id -> draws its stars when done


def render_panes(c: Conversation, catalog: Catalog, config: Config) -> Panes:
    """Every pane side by side, in shown order, with its whole conversation replayed turn by turn: each turn starts
    level in every pane, however long the answers before it, or whenever the pane joined."""
    choices = model_choices(catalog, config)
    panes = Panes({}, {})
    rows = c.turn_rows()
    st.html(aligned_rows_style(1 + len(next(iter(rows.values())))))  # the header row, then the turns
    with st.container(key="panes"):
        for column, pane in zip(st.columns(len(c.panes), gap="small"), c.shown(), strict=True):
            body = column.container(key=f"pane_{pane.id}", border=True)
            with body:
                with st.container():
                    render_header(c, pane, choices)
                *turns, after = rows[pane.id]
                for row in turns:
                    with st.container():
                        for item in row:
                            render_item(c, pane, item, panes)
                        if not row:  # an empty block is not drawn, and the rows after it would move up
                            st.caption(":material/remove: Not in this turn")
                with st.container():
                    for item in after:
                        render_item(c, pane, item, panes)
                    if not pane.items:
                        st.caption(":material/forum: Your prompt goes to every pane at once.")
            panes.bodies[pane.id] = body
    return panes


def aligned_rows_style(rows: int) -> str:
    """CSS that lines the panes' rows up across columns: the columns become one grid, and each pane (with the
    blocks Streamlit wraps it in) a subgrid of its rows, so a row is as tall as its tallest pane."""
    columns = (
        '.st-key-panes [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] >'
        ' [data-testid="stVerticalBlock"] > [data-testid="stLayoutWrapper"] > [class*="st-key-pane_"])'
    )
    column = f'{columns} > [data-testid="stColumn"]'
    block = f'{column} > [data-testid="stVerticalBlock"]'
    wrapper = f'{block} > [data-testid="stLayoutWrapper"]'
    pane = f'{wrapper} > [class*="st-key-pane_"]'
    subgrid = f"display:grid;grid-template-rows:subgrid;grid-row:1 / span {rows};align-content:start"
    # On a phone the panes stack, each one whole, instead (their rows cannot line up across columns there).
    stacked = (
        f"@media (max-width:{PHONE_MAX_PX}px){{{columns}{{display:flex;flex-direction:column}}"
        f"{column}{{display:block;width:100%}}{block},{wrapper},{pane}{{display:flex;flex-direction:column}}}}"
    )
    return (
        f"<style>{columns}{{display:grid;grid-auto-flow:column;grid-auto-columns:minmax(0,1fr);"
        f"grid-template-rows:repeat({rows},auto)}}{column},{block},{wrapper},{pane}{{{subgrid};width:auto}}"
        f"{stacked}</style>"
    )


def render_header(c: Conversation, pane: Pane, choices: list[Choice]) -> None:
    """The pane's letter and model picker (or just 'Model A' in blind mode), its parameters, and a close button."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small", wrap=False):
        if c.hidden:
            st.markdown(f"**{c.title(pane)}**", width="stretch")
        else:
            st.badge(c.letters()[pane.id], color="blue")
            render_model_picker(pane, choices)
        if st.session_state.get("per_pane_params"):
            with st.popover("", icon=":material/tune:", help="Parameters for this pane"):
                render_pane_parameters(pane)
        if len(c.panes) > MIN_PANES:
            st.button(
                "",
                icon=":material/close:",
                key=f"remove_{pane.id}",
                help="Close this pane",
                type="tertiary",
                on_click=state.remove_pane,
                args=(pane.id,),
            )
    if not c.hidden:
        choice = next((ch for ch in choices if ch.id == pane.model), None)
        if choice and not choice.configured:
            st.caption(f":material/key_off: Not configured: {choice.hint}.")


def render_model_picker(pane: Pane, choices: list[Choice]) -> None:
    """Models grouped by provider; the ones without a key say so."""
    names = {ch.id: ch.label + ("" if ch.configured else "  (not configured)") for ch in choices}
    ids = list(names) if pane.model in names else [pane.model, *names]
    st.selectbox(
        "Model",
        ids,
        index=ids.index(pane.model),
        format_func=lambda model_id: names.get(model_id, model_id),
        key=f"model_{pane.id}",
        on_change=state.switch_model,
        args=(pane.id,),
        label_visibility="collapsed",
        width="stretch",
    )


def render_pane_parameters(pane: Pane) -> None:
    """This pane's own temperature, max tokens and top_p (empty: the shared value)."""
    parameter_inputs(f"_{pane.id}", "shared value")


def parameter_inputs(suffix: str, placeholder: str) -> None:
    """Temperature, max tokens and top_p inputs, empty meaning 'not set'."""
    common = {"value": None, "placeholder": placeholder, "persist_state": "session"}
    st.number_input("Temperature", 0.0, 2.0, step=0.1, key=f"temperature{suffix}", **common)
    st.number_input("Max tokens", 1, 1_000_000, step=64, key=f"max_tokens{suffix}", **common)
    st.number_input("Top p", 0.01, 1.0, step=0.05, key=f"top_p{suffix}", **common)


def render_item(c: Conversation, pane: Pane, item: Exchange | Switch, panes: Panes) -> None:
    """One entry of a pane's history."""
    if isinstance(item, Switch):
        text = "Model changed" if c.hidden else f"Switched from **{item.from_label}** to **{item.to_label}**"
        st.caption(f":material/swap_horiz: {text}")
    else:
        render_exchange(c, pane, item, panes)


def render_exchange(c: Conversation, pane: Pane, exchange: Exchange, panes: Panes) -> None:
    """The prompt, then the answer: live slots while it streams, else its text, outcome, metrics and rating."""
    with st.chat_message("user"):
        render_prompt(pane, exchange)
    r = exchange.result
    with st.chat_message("assistant"):
        if is_streaming(c, r):
            panes.live[r.request_id] = Slots(st.empty())
            paint_live(panes.live[r.request_id], r, 0.0)
            stars = st.empty()  # filled as soon as this answer is done, while the others still stream
            panes.ratings[r.request_id] = lambda: paint_rating(stars, pane, exchange)
            return
        if r.text:
            st.markdown(safe_links(r.text))
        render_outcome(c, pane, exchange)
        if r.done:
            render_answer_tools(c, pane, exchange)
        if r.log_warning:
            st.warning(f"Not logged: {r.log_warning}", icon=":material/warning:")
        if r.text and r.done:
            render_rating(pane, exchange)


def render_answer_tools(c: Conversation, pane: Pane, exchange: Exchange) -> None:
    """Copy the answer's raw Markdown, and what it was made with (template, system prompt, parameters, ids)."""
    r = exchange.result
    others = [
        e.result for p in c.panes if p is not pane for e in p.exchanges if e.result.comparison_id == r.comparison_id
    ]
    with st.container(horizontal=True, gap="small", key=f"tools_{pane.id}_{exchange.serial}"):
        if r.text:
            copy_button(r.request_id)
        with st.popover("Details", icon=":material/info:", type="tertiary", help="What this answer was made with"):
            facts = made_with(r, hidden=c.hidden, own=own_parameters(r, others))
            st.markdown("\n".join(f"- **{label}:** {as_plain_text(value)}" for label, value in facts))


def render_prompt(pane: Pane, exchange: Exchange) -> None:
    """The prompt as typed; a long one by its first lines, with a control that opens it whole in every pane."""
    preview = prompt_preview(exchange.prompt)
    if preview is None:
        st.markdown(safe_links(exchange.prompt))
        return
    turn = exchange.result.comparison_id or f"{pane.id}-{exchange.serial}"
    whole = state.prompt_open(turn)
    st.markdown(safe_links(exchange.prompt if whole else preview))
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.button(
            "Show less" if whole else "Show all",
            icon=":material/unfold_less:" if whole else ":material/unfold_more:",
            key=f"prompt_{pane.id}_{exchange.serial}",
            type="tertiary",
            on_click=state.toggle_prompt,
            args=(turn,),
        )
        st.caption(prompt_size(exchange.prompt))


def is_streaming(c: Conversation, r: Result) -> bool:
    """True while this answer belongs to the turn in flight."""
    return c.live is not None and not r.done and any(r is live for live in c.live.comparison.results)


def paint_live(slots: Slots, r: Result, elapsed_s: float, streaming: int = 1) -> None:
    """The text so far with a cursor, and under it the live time to first token and rate.

    Each repaint costs the browser a render of the page: the text is repainted at most at its budget, the line
    only with it (or on its own while no text arrives), and both go as one element. `streaming`: how many panes
    are still streaming, which share the tail budget.
    """
    budget = TAIL_CHARS_PER_S / max(streaming, 2)  # characters a second for this pane's tail
    text_due = len(r.text) != slots.painted and elapsed_s - slots.text_elapsed_s >= slots.tail_chars / budget
    waiting = len(r.text) == slots.painted  # no new text to paint alongside: the line keeps its own pace
    first_text = text_due and r.ttft_ms is not None and not slots.line_has_ttft  # the line still says "Waiting…"
    line_due = first_text or (elapsed_s - slots.line_elapsed_s >= LINE_EVERY_S and (text_due or waiting))
    if line_due:
        slots.line = live_metrics(r, elapsed_s)
        slots.line_elapsed_s = elapsed_s
        slots.line_has_ttft = r.ttft_ms is not None
    if text_due:
        slots.text_elapsed_s = elapsed_s
    if text_due or line_due:
        paint_text(slots, r.text, cursor=True)


def paint_text(slots: Slots, text: str, cursor: bool) -> None:
    """Paint finished Markdown blocks once each and repaint only the growing tail, with the line under it."""
    slots.painted = len(text)
    if not text:
        slots.text.markdown(with_line_below("…" if cursor else "", slots.line))
        return
    blocks, tail = settled_blocks(text)
    if slots.blocks is None:
        slots.blocks = slots.text.container()
        slots.tail = slots.blocks.empty()
    for block in blocks[slots.settled :]:
        slots.tail.markdown(safe_links(block))
        slots.tail = slots.blocks.empty()
    slots.settled = len(blocks)
    slots.tail_chars = len(tail)
    tail = safe_links(tail)  # the growing tail only: a settled block was made safe once, when painted
    slots.tail.markdown(with_line_below(tail + " ▌" if cursor else tail, slots.line))


def render_outcome(c: Conversation, pane: Pane, exchange: Exchange) -> None:
    """The metrics line, or what went wrong in plain words with a retry button."""
    r = exchange.result
    if r.status == "ok":
        if r.cut_by_max_tokens:  # the limit ended this answer, not the model
            st.badge("Cut off at max tokens", icon=":material/content_cut:", color="orange")
        st.caption(answer_metrics(r, hidden=c.hidden))
        return
    if not r.done:
        st.caption(":material/hourglass_top: Stopping…")
        return
    if r.status == "cancelled":
        st.caption(f":material/stop_circle: Stopped · {answer_metrics(r, hidden=c.hidden)}")
    elif r.status == "incomplete":
        st.warning(f"**{error_title(r)}.** {r.error}", icon=":material/content_cut:")
        st.caption(answer_metrics(r, hidden=c.hidden))
    else:
        st.error(f"**{error_title(r)}.** {r.error}", icon=":material/error:")
    if exchange is pane.last:
        st.button(
            "Retry",
            icon=":material/refresh:",
            key=f"retry_{pane.id}",
            on_click=state.retry,
            args=(pane.id,),
            disabled=c.live is not None or c.read_only,
        )


def paint_rating(slot: DeltaGenerator, pane: Pane, exchange: Exchange) -> None:
    """The stars under an answer just finished, in the slot kept for them (the next run draws them in place)."""
    if exchange.result.text:
        with slot.container():
            render_rating(pane, exchange)


@st.fragment
def render_rating(pane: Pane, exchange: Exchange) -> None:
    """Five stars, stored at a click, and a short optional comment.

    A fragment: a click reruns only the stars, so one on an answer already finished while others still stream does
    not stop them (it is stored once the turn ends, when the page runs again; a page click would stop the turn).
    """
    read_only = state.conversation().read_only  # shown, not added to, until continued
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.feedback(
            "stars",
            key=f"stars_{pane.id}_{exchange.serial}",
            default=exchange.rating - 1 if exchange.rating else None,
            on_change=state.rate,
            args=(pane.id, exchange.serial),
            disabled=read_only,
        )
        if exchange.rating:
            st.text_input(
                "Comment",
                value=exchange.comment,
                key=f"comment_{pane.id}_{exchange.serial}",
                placeholder="Add a short comment (optional)",
                max_chars=200,
                label_visibility="collapsed",
                on_change=state.comment,
                args=(pane.id, exchange.serial),
                width="stretch",
                disabled=read_only,
            )
