"""The sidebar's History (past conversations, searchable, opened read-only) and Share (a link to this setup)."""

from __future__ import annotations

import json

import streamlit as st

from llm_core import SwitchboardError
from llm_core.analytics import access
from llm_core.session.conversation import Conversation
from llm_core.session.history import past_conversations
from llm_core.store.csv_store import default_store
from pages._compare import links
from pages._shared.session import as_plain_text

ANALYTICS_UNLOCKED = "analytics_unlocked"  # set by the Analytics page once this session gave its password
OWN = "own_conversations"
SHOWN = 12  # past conversations listed at once; the search finds older ones
TITLE_CHARS = 60
OWN_KEPT = 40  # conversations the cookie remembers (17 bytes each)
OWN_SCRIPT = """<script>(() => {
  const name = %s, id = %s;
  const old = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
  const ids = old ? old.slice(name.length + 1).split(".").filter((i) => i && i !== id) : [];
  document.cookie = `${name}=${[...ids, id].slice(-%d).join(".")}; path=/; max-age=31536000; SameSite=Lax`;
})();</script>"""


def render_history(c: Conversation) -> None:
    """Past conversations, newest first, each with its first prompt, models, date and whether it was voted on."""
    with st.expander("History", icon=":material/history:"):
        search = st.text_input("Search", key="history_search", placeholder="Search prompts, answers, models")
        if c.live is not None:  # reading the log now would slow the panes' first paint; the page reruns after them
            st.caption(":material/hourglass_top: History is listed once the answers are in.")
            return
        try:
            past = past_conversations(default_store(), search)
        except SwitchboardError as e:
            st.warning(f"History cannot be read: {e}", icon=":material/warning:")
            return
        if not sees_everyone():
            mine = own_conversations(c)
            past = [s for s in past if s.conversation_id in mine]
            st.caption(":material/lock: Only this tab's conversations: give the Analytics password to see everyone's.")
        if not past:
            st.caption("Nothing matches." if search.strip() else "Your conversations appear here once sent.")
            return
        for summary in past[:SHOWN]:
            first = summary.first_prompt.strip().splitlines() or [""]
            title = first[0][:TITLE_CHARS] + ("…" if len(first[0]) > TITLE_CHARS or len(first) > 1 else "")
            voted = " · :material/how_to_vote: voted" if summary.voted else ""
            turns = f"{summary.turns} turn{'s' * (summary.turns != 1)}"
            st.button(
                as_plain_text(title) or "(empty prompt)",
                key=f"history_{summary.conversation_id}",
                on_click=links.open_past,
                args=(summary.conversation_id,),
                type="primary" if summary.conversation_id == c.id else "tertiary",
                help=f"Open this conversation read-only ({turns})",
                width="stretch",
            )
            models = ", ".join(summary.models)
            st.caption(f"{summary.updated:%b %d %H:%M} · {as_plain_text(models)} · {turns}{voted}")
        if len(past) > SHOWN:
            st.caption(f"{len(past) - SHOWN} older conversations: search to find them.")


def sees_everyone() -> bool:
    """True unless Analytics has a password this browser session has not given: the log holds everyone's prompts,
    and History would show them as Analytics does."""
    password = access.analytics_password()
    return password is None or access.is_unlocked(st.session_state.get(ANALYTICS_UNLOCKED), password)


def own_conversations(c: Conversation) -> set[str]:
    """The conversations this browser session has had (the current one included)."""
    mine = st.session_state.setdefault(OWN, set())
    mine.add(c.id)
    return mine


def render_share(c: Conversation) -> None:
    """A link that opens this comparison's setup for anyone with access to the app; never a key."""
    with st.popover("Share", icon=":material/share:", width="stretch"):
        last_prompt = next((p.last.prompt for p in c.panes if p.last), "")
        with_prompt = st.checkbox("Include the last prompt", key="share_prompt", disabled=not last_prompt)
        st.code(links.link_for(c, last_prompt, with_prompt), language=None, wrap_lines=True)
        notes = ["Copy the link with the button at its right."]
        if c.blind:
            notes.append("Blind mode: the link leaves the models out, so the opener sees the default ones.")
        notes.append("It carries no key, and opening it sends nothing until the prompt is sent.")
        st.caption(" ".join(notes))


def render_own_marker(c: Conversation) -> None:
    """Note in this browser's cookie that it has the conversation open for editing: a reload goes on editable,
    while the same URL opened in another browser opens read-only."""
    if c.read_only or not c.id.isalnum():
        return
    script = OWN_SCRIPT % (json.dumps(links.OWN_COOKIE), json.dumps(c.id), OWN_KEPT)
    st.html(script, unsafe_allow_javascript=True)


def render_read_only(c: Conversation) -> None:
    """The banner over a conversation reopened from History, with the way to carry it on."""
    if not c.read_only:
        return
    with st.container(key="read_only", border=True, horizontal=True, vertical_alignment="center"):
        st.markdown(":material/history: **A past conversation**, shown read-only.", width="stretch")
        st.button("Continue this conversation", icon=":material/play_arrow:", key="continue_past",
                  on_click=links.continue_past, type="primary")  # fmt: skip


def render_shared_prompt() -> None:
    """The prompt a share link brought, editable, sent only when the user presses Send."""
    prompt = st.session_state.get(links.SHARED_PROMPT)
    if not prompt:
        return
    with st.container(key="shared", border=True):
        st.markdown(":material/link: **A shared prompt.** Nothing has been sent: edit it if you like, then send it.")
        st.text_area("Shared prompt", value=prompt, key="shared_prompt_box", label_visibility="collapsed")
        with st.container(horizontal=True):
            st.button("Send", icon=":material/send:", key="send_shared", on_click=links.send_shared, type="primary")
            st.button("Dismiss", key="dismiss_shared", on_click=st.session_state.pop, args=(links.SHARED_PROMPT, None))
