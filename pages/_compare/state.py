"""The Compare page's session state and the callbacks that change it. Layout lives elsewhere."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from llm_core import Options, SwitchboardError, Template, parse_options
from llm_core.session.conversation import Conversation
from llm_core.session.picker import next_pane_model
from llm_core.store.csv_store import default_store
from llm_core.templates import usable_templates
from pages._shared.session import session_catalog, session_config

PARAMETERS = ("temperature", "max_tokens", "top_p")
DEFAULT_TEMPLATE = "plain"
UNDO = "cleared_conversation"  # the conversation Clear put aside, until the next send


@dataclass
class TurnSettings:
    """What the sidebar says every turn should use."""

    template: Template | None
    system: str
    options: dict[str, Options]  # pane id -> options


def conversation() -> Conversation:
    """This session's conversation, opened on the default models the first time."""
    if "conversation" not in st.session_state:
        st.session_state.conversation = Conversation.opening(session_catalog(), session_config())
    return st.session_state.conversation


def settle_interrupted() -> None:
    """A click during streaming interrupted the last run: stop its models and let their answers file themselves."""
    live = conversation().live
    if live is not None and live.started_at is not None:
        conversation().settle()


def notify(message: str) -> None:
    """Queue a message for the next run to show as a toast (callbacks cannot draw)."""
    notices = st.session_state.setdefault("compare_notices", [])
    if message not in notices:
        notices.append(message)


def take_notices() -> list[str]:
    """The queued messages, emptied."""
    return st.session_state.pop("compare_notices", [])


def templates() -> dict[str, Template]:
    """The prompt templates; the shipped ones when the user's file is broken (the page's warning says why)."""
    return usable_templates().templates


def turn_settings(conversation: Conversation) -> TurnSettings:
    """The template, system prompt and per-pane options, read from the sidebar's widgets."""
    template = templates().get(st.session_state.get("template", DEFAULT_TEMPLATE))
    system = st.session_state.get("system_prompt", "").strip() or (template.system if template else "")
    shared = shared_options()
    per_pane = st.session_state.get("per_pane_params", False)
    options = {p.id: pane_options(p.id).merged_over(shared) if per_pane else shared for p in conversation.panes}
    return TurnSettings(template, system, options)


def shared_options() -> Options:
    """The parameters every pane is sent unless it has its own."""
    return _options("")


def pane_options(pane_id: str) -> Options:
    """One pane's own parameters (unset: the shared ones)."""
    return _options(f"_{pane_id}")


def _options(suffix: str) -> Options:
    values = {name: st.session_state.get(name + suffix) for name in PARAMETERS}
    try:
        return parse_options(values)
    except SwitchboardError as e:  # the inputs are bounded, so this is a stale value from an older version
        notify(str(e))
        return Options()


def turn_kwargs() -> dict:
    """What every Turn of this page is told: its catalog, keys and session."""
    # The log's session_id names the conversation, so History and the page's URL can open it again.
    return {"catalog": session_catalog(), "config": session_config(), "session_id": conversation().id}


# --- callbacks -------------------------------------------------------------------------------------------


def switch_model(pane_id: str) -> None:
    """The pane's picker changed: continue its conversation with the new model."""
    model_id = st.session_state[f"model_{pane_id}"]
    conversation().pane(pane_id).switch_to(model_id, session_catalog().get(model_id).label)


def add_pane() -> None:
    """Add a pane on the best ready model not shown yet (else a demo not shown yet)."""
    c = conversation()
    catalog = session_catalog()
    model = next_pane_model(catalog, session_config(), {p.model for p in c.panes})
    c.add_pane(model, catalog.get(model).label)


def prompt_open(turn: str) -> bool:
    """True when this turn's long prompt is shown whole (in every pane at once, so the panes stay aligned)."""
    return turn in st.session_state.get("open_prompts", set())


def toggle_prompt(turn: str) -> None:
    """Show this turn's long prompt whole in every pane, or collapse it again."""
    st.session_state.setdefault("open_prompts", set()).symmetric_difference_update({turn})


def remove_pane(pane_id: str) -> None:
    """Close a pane (the page keeps at least two)."""
    conversation().remove_pane(pane_id)


def set_blind() -> None:
    """Blind mode on: hide the names and reshuffle the panes; off: show them."""
    conversation().set_blind(st.session_state.blind)


def stop() -> None:
    """Stop every stream at once; the next run files the partial answers."""
    live = conversation().live
    if live is not None:
        live.cancel()


def clear() -> None:
    """Start a new conversation on the same panes; the old one stays in History and can be undone until the next
    send."""
    old = conversation()
    old.settle()
    st.session_state[UNDO] = old
    st.session_state.conversation = old.fresh()


def undo_clear() -> None:
    """Bring back the conversation Clear put aside."""
    if (old := st.session_state.pop(UNDO, None)) is not None:
        st.session_state.conversation = old


def continue_with(pane_id: str) -> None:
    """Close every pane but the vote's winner and carry on its conversation."""
    conversation().keep_only(pane_id)
    st.session_state.blind = False


def send(prompt: str) -> None:
    """Send the prompt to every pane with the sidebar's settings; the models start at once (blank: nothing)."""
    c = conversation()
    if c.read_only:
        return
    settings = turn_settings(c)
    options = {"template": settings.template, "system": settings.system, "options": settings.options}
    st.session_state.pop(UNDO, None)  # a new turn: the cleared conversation is History's now
    if c.start_turn(prompt, **options, **turn_kwargs()) is not None:
        c.live.start()


def regenerate() -> None:
    """Send the latest turn again; the page streams it in this run."""
    c = conversation()
    settings = turn_settings(c)
    c.regenerate(system=settings.system, options=settings.options, **turn_kwargs())


def retry(pane_id: str) -> None:
    """Send one failed pane's prompt again."""
    c = conversation()
    settings = turn_settings(c)
    c.retry(pane_id, system=settings.system, options=settings.options, **turn_kwargs())


def rate(pane_id: str, serial: int) -> None:
    """The stars changed: store the rating at once."""
    stars = st.session_state.get(f"stars_{pane_id}_{serial}")
    if stars is None:  # a cleared rating: the log keeps the last one given
        return
    try:
        conversation().rate(pane_id, serial, stars + 1, default_store())
    except SwitchboardError as e:
        notify(f"Rating not saved: {e}")


def comment(pane_id: str, serial: int) -> None:
    """The comment changed: store it with the answer's rating."""
    exchange = next(e for e in conversation().pane(pane_id).exchanges if e.serial == serial)
    if exchange.rating is None:  # the comment box is shown only after a rating
        return
    try:
        text = st.session_state[f"comment_{pane_id}_{serial}"]
        conversation().rate(pane_id, serial, exchange.rating, default_store(), comment=text)
    except SwitchboardError as e:
        notify(f"Comment not saved: {e}")


def vote(choice: str) -> None:
    """Store a vote on the latest comparison; the buttons lock and blind mode reveals the names."""
    try:
        conversation().cast_vote(choice, default_store())
    except SwitchboardError as e:
        notify(f"Vote not saved: {e}")
