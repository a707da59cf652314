"""What every page shares for one browser session: its id, its keys, its catalog. Layout only; no provider logic."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import streamlit as st

import llm_core
from llm_core.catalog import Catalog, catalog_with_local_models, usable_catalog
from llm_core.record import new_id
from llm_core.templates import usable_templates


def app_secrets() -> dict:
    """Streamlit secrets as a plain dict; empty when there is no secrets.toml."""
    try:
        return st.secrets.to_dict()
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return {}


ROUTER = Path(__file__).resolve().parents[2] / "streamlit_app.py"
ROUTED = "_switchboard_routed"


def mark_routed() -> None:
    """Called by the router on every run, before it runs the chosen page."""
    st.session_state[ROUTED] = True


def ensure_routed() -> None:
    """Run the router instead when Streamlit ran this page file directly.

    With a `pages/` folder, Streamlit runs a page file on its own (its old folder-based mode) when a fresh
    server's first visitor opens a page's URL, before `st.navigation` has ever run. Handing over to the router
    gives that visitor the same navigation, layout and set-up as everyone else.
    """
    if not st.session_state.get(ROUTED):
        runpy.run_path(str(ROUTER), run_name="__main__")
        st.stop()


def start_session() -> None:
    """Hand the app's secrets to the core once per run and set up per-session state."""
    ensure_routed()
    llm_core.configure(app_secrets())
    st.session_state.setdefault("session_id", new_id())
    st.session_state.setdefault("session_keys", {})  # variable name -> value, this browser session only
    st.session_state.setdefault("custom_models", [])  # llm_core.Model entries added on the Settings page
    show_configuration_problems()


def show_configuration_problems() -> None:
    """One warning at the top of the page for each of the user's files (catalog, templates) that was set aside,
    saying what to fix; the shipped ones are used meanwhile."""
    for problem in (usable_catalog().problem, usable_templates().problem):
        if problem:
            st.warning(as_plain_text(problem), icon=":material/warning:")


def as_plain_text(text: str) -> str:
    """Text shown as it is in Markdown: paths and names keep their `_` and `*` instead of turning italic."""
    return re.sub(r"([\\`*_\[\]<>#~|$])", r"\\\1", text)


def session_config() -> llm_core.Config:
    """Keys for this session first, then secrets, then the environment."""
    return llm_core.Config(session=st.session_state.get("session_keys", {}))


def session_catalog() -> Catalog:
    """The catalog, the local Ollama models, and this session's custom endpoint models."""
    return catalog_with_local_models(session_config()).with_models(st.session_state.get("custom_models", []))
