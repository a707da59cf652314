"""The Compare sidebar: template and system prompt, parameters, the next turn's estimate, actions and export."""

from __future__ import annotations

from functools import partial

import streamlit as st

from llm_core import SwitchboardError
from llm_core.catalog import Catalog
from llm_core.session import export
from llm_core.session.conversation import Conversation
from llm_core.session.estimate import estimate_line, prompt_estimate
from pages._compare import state
from pages._compare.history import render_history, render_own_marker, render_share
from pages._compare.panes import parameter_inputs

PROMPT_PLACEHOLDER = "‹your prompt›"
EXPORTS = (  # label, how the conversation is written, file suffix (and widget key), MIME type, icon
    ("Markdown", export.to_markdown, "md", "text/markdown", ":material/download:"),
    ("JSON", export.to_json, "json", "application/json", ":material/data_object:"),
    ("HTML", export.to_html, "html", "text/html", ":material/html:"),
)


def render_sidebar(c: Conversation, catalog: Catalog) -> state.TurnSettings:
    """Everything that shapes the next turn, and what to do with the conversation so far."""
    settings = state.turn_settings(c)
    with st.sidebar:
        render_actions(c, settings)
        render_prompt_settings()
        render_parameters()
        render_estimates(c, catalog, settings)
        st.subheader("History and sharing")
        render_history(c)
        render_share(c)
        render_own_marker(c)
    return settings


def render_prompt_settings() -> None:
    """Template picker with a preview of the filled prompt, and the system prompt."""
    st.subheader("Prompt")
    templates = state.templates()
    names = list(templates) or [state.DEFAULT_TEMPLATE]
    st.selectbox(
        "Template",
        names,
        index=names.index(state.DEFAULT_TEMPLATE) if state.DEFAULT_TEMPLATE in names else 0,
        format_func=lambda name: f"{name} — {templates[name].description}" if name in templates else name,
        key="template",
        persist_state="session",
    )
    template = templates.get(st.session_state.get("template", ""))
    st.text_area(
        "System prompt",
        key="system_prompt",
        placeholder=(template.system if template and template.system else "None: the model's default behaviour"),
        height=90,
        persist_state="session",
    )
    if template and template.text != "{prompt}":
        with st.expander("Preview of the filled prompt", icon=":material/preview:"):
            st.code(template.render(PROMPT_PLACEHOLDER), language=None, wrap_lines=True)
            if template.system and not st.session_state.get("system_prompt", "").strip():
                st.caption(f"System prompt from the template: {template.system}")


def render_parameters() -> None:
    """Shared temperature, max tokens and top_p, optionally set per pane instead."""
    st.subheader("Parameters")
    parameter_inputs("", "model default")
    st.toggle(
        "Set parameters per pane",
        key="per_pane_params",
        help="Each pane gets a :material/tune: button; what a pane leaves empty comes from here.",
        persist_state="session",
    )


def render_estimates(c: Conversation, catalog: Catalog, settings: state.TurnSettings) -> None:
    """What each pane's next prompt costs before the user types it: its history, the system prompt, the template."""
    st.subheader("Next turn")
    template_text = settings.template.render("") if settings.template else ""
    for pane in c.shown():
        messages = pane.messages(settings.system) + [{"role": "user", "content": template_text}]
        try:
            estimate = prompt_estimate(catalog.get(pane.model), messages)
        except SwitchboardError as e:
            st.caption(f"**{c.title(pane)}**: {e}")
            continue
        st.caption(f"**{c.title(pane)}** {estimate_line(estimate, hidden=c.hidden)}")


def render_actions(c: Conversation, settings: state.TurnSettings) -> None:
    """Clear (undoable until the next send), regenerate, share, and export as Markdown, JSON or HTML."""
    st.subheader("Conversation")
    has_history = any(p.exchanges for p in c.panes)
    busy = c.live is not None
    with st.container(horizontal=True):
        st.button(
            "Clear",
            icon=":material/delete_sweep:",
            key="clear",
            on_click=state.clear,
            disabled=not has_history,
            help="Start a new conversation on the same models (the old one stays in History)",
        )
        if state.UNDO in st.session_state:
            st.button("Undo clear", icon=":material/undo:", key="undo_clear", on_click=state.undo_clear)
        st.button(
            "Regenerate",
            icon=":material/refresh:",
            key="regenerate",
            on_click=state.regenerate,
            disabled=not c.participants() or busy or c.read_only,
            help="Send the last prompt again to the panes that answered it",
        )
    with st.container(horizontal=True):
        for label, build, suffix, mime, icon in EXPORTS:
            st.download_button(
                label,
                partial(build, c, settings.system),  # built when clicked, not on every rerun
                file_name=f"switchboard-comparison.{suffix}",
                mime=mime,
                icon=icon,
                key=f"export_{suffix}",
                disabled=not has_history,
                on_click="ignore",
            )
