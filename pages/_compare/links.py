"""The Compare page's address: the conversation's id in the URL (a reload or the URL opens it again from the log),
with the sidebar's and panes' unsent changes beside it (a draft, so a reload keeps them too), share links that set
up a comparison, and conversations reopened from History. State only; layout lives elsewhere.

A reload is told from someone else opening the URL by a cookie listing the conversations this browser has had
open for editing (`OWN_COOKIE`, set by the page's script): the first goes on editable, the second opens read-only
with Continue, as History does."""

from __future__ import annotations

import streamlit as st

from llm_core.errors import SwitchboardError
from llm_core.options import Options
from llm_core.session import inflight
from llm_core.session.conversation import Conversation
from llm_core.session.history import Reopened, Sent, last_sent, reopen, restore_panes
from llm_core.session.share import BLIND, Draft, Setup, draft_from_query, draft_query, from_query, share_url
from llm_core.store.csv_store import default_store
from pages._compare import state
from pages._shared.session import session_catalog, session_config

CONVERSATION = "c"  # the query parameter naming the conversation
SHARED_PROMPT = "shared_prompt"  # a prompt a share link brought, waiting for the user to send it
TO_SEND = "prompt_to_send"  # the shared prompt, once the user pressed Send
OWN_COOKIE = "switchboard_own"  # the conversations this browser had open for editing, "."-separated, newest last


def open_conversation() -> None:
    """On a session's first run, open what the URL asks for (the page's own state after that)."""
    if "conversation" not in st.session_state:
        st.session_state.conversation = opened_conversation()


def opened_conversation() -> Conversation:
    """The conversation this page's URL names (rebuilt from the log), else the setup a share link asks for, else a
    fresh one on the default models."""
    query = st.query_params.to_dict()
    catalog, config = session_catalog(), session_config()
    conversation_id = query.get(CONVERSATION, "")
    if conversation_id:
        own = conversation_id in this_browsers_conversations()  # a reload: else someone else's address
        reopened = reopened_or_none(conversation_id, settle=own)
        if reopened is not None:
            apply_setup(reopened.setup, reopened.pane_setups)
            if (draft := draft_from_query(query, set(catalog.models))) is not None:
                apply_draft(reopened, draft)
            c = reopened.conversation
            c.read_only = not own  # someone else's conversation is shown, not added to, until continued
            if query.get(BLIND) == "1" and c.last_comparison_id not in c.votes:  # a blind round not yet voted on
                c.set_blind(True, seed=inflight.blind_seed(c.id))  # the same letters as before the reload
            return c
    setup, problems = from_query(query, set(catalog.models))
    for problem in problems:
        state.notify(f"The shared link's {problem}")
    c = Conversation.opening(catalog, config)
    c.id = st.session_state.session_id
    if conversation_id.isalnum() and len(conversation_id) <= 64:  # a new conversation keeps the address it opened on
        c.id = conversation_id
    if setup is not None:
        c = conversation_for(setup, c, catalog)
    return c


def reopened_or_none(conversation_id: str, *, settle: bool) -> Reopened | None:
    """The conversation rebuilt from the log; None when the log has none, or cannot be read (a toast says why).
    `settle`: stop a turn of it still streaming in this process first (only this browser's own reload may)."""
    try:
        return reopen(default_store(), conversation_id, session_catalog(), state.templates(), settle=settle)
    except SwitchboardError as e:
        state.notify(f"Conversation {conversation_id} could not be reopened: {e}")
        return None


def this_browsers_conversations() -> set[str]:
    """The conversations this browser had open for editing (its cookie, sent when the page was opened)."""
    return {i for i in str(st.context.cookies.get(OWN_COOKIE, "")).split(".") if i}


def apply_draft(reopened: Reopened, draft: Draft) -> None:
    """Put back what the page showed before the reload: its panes and models, the sidebar, a shared prompt."""
    restore_panes(reopened, draft.panes, session_catalog())
    for pane in reopened.conversation.panes:  # the panes' own parameters are the draft's, or none
        for name in state.PARAMETERS:
            st.session_state.pop(f"{name}_{pane.id}", None)
    apply_setup(draft.setup, draft.pane_options)
    if draft.setup.prompt.strip():
        st.session_state[SHARED_PROMPT] = draft.setup.prompt


def conversation_for(setup: Setup, fallback: Conversation, catalog) -> Conversation:
    """A fresh conversation on the link's models (the default ones when it names none or is blind), its settings
    in the sidebar and its prompt waiting to be sent."""
    c = fallback
    if setup.models and not setup.blind:
        c = Conversation(id=fallback.id)
        for model in setup.models:
            c.add_pane(model, catalog.get(model).label)
    pane_setups = {p.id: o for p, o in zip(c.panes, setup.pane_options, strict=False) if o != Options()}
    apply_setup(setup, pane_setups)
    if setup.blind:  # the Blind toggle is not drawn yet: it starts from the conversation
        c.set_blind(True)
    if setup.prompt.strip():
        st.session_state[SHARED_PROMPT] = setup.prompt
    return c


def apply_setup(setup: Setup, pane_setups: dict[str, Options]) -> None:
    """Put a setup's template, system prompt and parameters in the sidebar (before its widgets are drawn)."""
    if setup.template in state.templates():
        st.session_state.template = setup.template
    st.session_state.system_prompt = setup.system
    for name in state.PARAMETERS:
        st.session_state[name] = getattr(setup.options, name)
    st.session_state.per_pane_params = bool(pane_setups)
    for pane_id, options in pane_setups.items():
        for name in state.PARAMETERS:
            st.session_state[f"{name}_{pane_id}"] = getattr(options, name)


def keep_in_url(c: Conversation) -> None:
    """The address names this conversation (and blind mode while it hides the names, so a reload keeps them hidden)
    and nothing else: a share link's setup has been taken in. The session is the conversation's, so Analytics'
    sessions are Compare conversations."""
    st.session_state.session_id = c.id
    wanted = {CONVERSATION: c.id, BLIND: "1"} if c.hidden else {CONVERSATION: c.id}
    wanted |= unsent_changes(c)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def unsent_changes(c: Conversation) -> dict[str, str]:
    """The page's changes since its last turn (or, before one, since it opened) as a draft's query parameters, so a
    reload keeps them; none when the next turn would be sent as the last one was and no shared prompt waits."""
    waiting = st.session_state.get(SHARED_PROMPT, "")
    if not waiting and next_sent(c) == (last_sent(c) or opening_sent()):
        return {}
    setup = current_setup(c)
    setup.prompt, setup.blind = waiting, c.hidden
    if c.blind:  # never a model name in the address of a blind round, even once revealed
        setup.models, setup.pane_options = [], []
    return draft_query(setup, [p.id for p in c.panes])


def next_sent(c: Conversation) -> Sent:
    """How the next turn would be sent with the sidebar and panes as they are."""
    settings = state.turn_settings(c)
    template = settings.template.name if settings.template else ""
    return Sent(tuple((p.id, p.model, settings.options[p.id]) for p in c.panes), template, settings.system)


def opening_sent() -> Sent:
    """How a page opened fresh would send its first turn: the default models and template, no parameters."""
    fresh = Conversation.opening(session_catalog(), session_config())
    template = state.templates().get(state.DEFAULT_TEMPLATE)
    panes = tuple((p.id, p.model, Options()) for p in fresh.panes)
    return Sent(panes, template.name if template else "", template.system if template else "")


def current_setup(c: Conversation) -> Setup:
    """What a share link of this page carries: the panes' models, the sidebar's template, system prompt and
    parameters (each pane's own when set per pane)."""
    settings = state.turn_settings(c)
    shared = state.shared_options()
    per_pane = st.session_state.get("per_pane_params", False)
    return Setup(
        models=[p.model for p in c.panes],
        template=settings.template.name if settings.template else "",
        system=st.session_state.get("system_prompt", "").strip(),
        options=shared,
        pane_options=[state.pane_options(p.id) for p in c.panes] if per_pane else [],
        blind=c.blind,
    )


def link_for(c: Conversation, prompt: str, with_prompt: bool) -> str:
    """The share link of this page's setup (and its latest prompt when asked), for the address it is served at."""
    setup = current_setup(c)
    setup.prompt = prompt
    return share_url(st.context.url or "", setup, with_prompt=with_prompt)


# --- callbacks -------------------------------------------------------------------------------------------


def open_past(conversation_id: str) -> None:
    """Open a past conversation from History, read-only until the user continues it."""
    current = state.conversation()
    current.settle()
    reopened = reopened_or_none(conversation_id, settle=False)  # it may be streaming in someone else's page
    if reopened is None:
        state.notify("That conversation could not be opened from the log.")
        return
    reopened.conversation.read_only = True
    apply_setup(reopened.setup, reopened.pane_setups)
    st.session_state.pop(SHARED_PROMPT, None)
    st.session_state.conversation = reopened.conversation
    st.session_state.pop(state.UNDO, None)
    st.session_state.blind = False


def continue_past() -> None:
    """Carry on a reopened conversation with the same models."""
    state.conversation().read_only = False


def send_shared() -> None:
    """The user pressed Send under a shared prompt: this run sends it, as if typed (a callback cannot, since the
    run it starts stops a turn begun before it)."""
    prompt = st.session_state.pop(SHARED_PROMPT, "")
    st.session_state[TO_SEND] = st.session_state.get("shared_prompt_box", prompt)


def take_prompt_to_send() -> str:
    """A prompt the user asked to send by a button rather than the chat box ('' when none)."""
    return st.session_state.pop(TO_SEND, "")
