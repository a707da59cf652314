"""Compare: one prompt to several models side by side, streamed at once; rate, vote, diff and export the answers."""

import streamlit as st

from llm_core.readiness import is_ready
from llm_core.session.pane import MAX_PANES
from pages._compare import links, state
from pages._compare.copy import render_copy_script
from pages._compare.history import render_read_only, render_shared_prompt
from pages._compare.panes import render_panes
from pages._compare.sidebar import render_sidebar
from pages._compare.stream import stream_live
from pages._compare.verdict import render_diff, render_vote
from pages._shared.session import session_catalog, session_config, start_session

# The toolbar (title, Stop, Diff, Blind, Add pane) stays in view while long answers stream.
# On a phone it is one line (Add pane as its icon, no help marks), so it covers a tenth of the screen at most.
TOOLBAR_STYLE = (
    "<style>div:has(> .st-key-toolbar){position:sticky;top:3.75rem;z-index:90;background:#fff;"
    "box-shadow:0 -3.75rem 0 .3rem #fff;padding:.4rem 0}"
    "@media (max-width:640px){div:has(> .st-key-toolbar){padding:.15rem 0}"
    ".st-key-toolbar{flex-wrap:nowrap;overflow-x:auto;gap:.6rem}.st-key-toolbar h3{font-size:1.15rem;padding:0}"
    ".st-key-toolbar > div{flex:0 0 auto;width:auto}.st-key-toolbar [data-testid=stTooltipIcon],"
    ".st-key-add_pane [data-testid=stMarkdownContainer]{display:none}}</style>"
)

start_session()
catalog, config = session_catalog(), session_config()
links.open_conversation()  # the URL's conversation, rebuilt from the log, or a share link's setup
conversation = state.conversation()
state.settle_interrupted()
for notice in state.take_notices():
    st.toast(notice, icon=":material/warning:")

# New input first: the models start now and think while the page is drawn. The box is pinned in st.bottom: there,
# unlike in the main body, it does not make the page follow the streaming answers down (see SHOW_NEW_TURN).
placeholder = "Reopened read-only: press Continue to carry on" if conversation.read_only else "Ask every model…"
typed = st.bottom.chat_input(placeholder, key="prompt", disabled=conversation.read_only)
if prompt := typed or links.take_prompt_to_send():
    state.send(prompt)
conversation = state.conversation()  # a send after Clear drops its undo; a callback may have swapped it
links.keep_in_url(conversation)

settings = render_sidebar(conversation, catalog)
st.html(TOOLBAR_STYLE)

with st.container(horizontal=True, vertical_alignment="center", key="toolbar"):
    st.markdown("### Compare", width="stretch")
    stop_slot = st.empty()
    st.toggle(
        "Diff",
        key="diff",
        help="Highlight word-level differences between two panes' last answers",
        persist_state="session",
    )
    st.toggle(
        "Blind",
        key="blind",
        value=conversation.blind,
        on_change=state.set_blind,
        help="Hide the model names and shuffle the panes until you vote",
    )
    st.button(
        "Add pane",
        icon=":material/add:",
        key="add_pane",
        on_click=state.add_pane,
        disabled=len(conversation.panes) >= MAX_PANES or conversation.hidden,
    )

if not any(is_ready(m, config) for m in catalog.models.values()):
    st.info(
        "You are trying Switchboard on two offline **echo** models: no key needed, no LLM called. "
        "To compare real models, set a key such as `OPENAI_API_KEY` or `GROQ_API_KEY` in the environment or "
        "`.streamlit/secrets.toml`, or add one on the Settings page.",
        icon=":material/key:",
    )

render_read_only(conversation)
render_shared_prompt()
panes = render_panes(conversation, catalog, config)  # a turn in flight is drawn with slots to stream into
render_copy_script(conversation)
render_vote(conversation)
render_diff(conversation)
stream_live(conversation, panes, stop_slot)
