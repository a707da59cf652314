"""Settings, custom endpoint tab: an OpenAI-compatible server's models, added to this session's catalog."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from llm_core.catalog import Model
from llm_core.endpoints import custom_models
from llm_core.errors import CatalogError
from llm_core.health import check_endpoint, public_url
from llm_core.redact import mask, register_secret
from pages._settings.providers import set_notice, show_check, show_notice

INPUTS = {
    "custom_name": "",
    "custom_base_url": "",
    "custom_api_key": "",
    "custom_model_names": "",
    "custom_input_price": None,
    "custom_output_price": None,
    "custom_context_window": None,
}


def custom_endpoint_section() -> None:
    """The endpoint form with Test and Add, then the custom models this session has."""
    st.subheader("Add a custom OpenAI-compatible endpoint", anchor=False)
    st.caption(
        "vLLM, LM Studio, llama.cpp's server, LiteLLM or any proxy that speaks the OpenAI API. Its models join "
        "this session's catalog as `name/model`; the key is kept like a session key, in this session only."
    )
    show_notice("custom")
    with st.container(border=True, key="custom_endpoint_form"):
        left, right = st.columns(2)
        left.text_input("Name", key="custom_name", placeholder="my-vllm", help="Prefixes the model ids.")
        right.text_input("Base URL", key="custom_base_url", placeholder="http://localhost:8000/v1")
        left.text_input(
            "API key (optional)", key="custom_api_key", type="password", placeholder="blank if the server needs none"
        )
        right.text_input(
            "Model names", key="custom_model_names", placeholder="comma-separated; Test endpoint lists them"
        )
        price_in, price_out, window = st.columns(3)
        price_in.number_input("Input price, $ per 1M tokens", min_value=0.0, value=None, key="custom_input_price")
        price_out.number_input("Output price, $ per 1M tokens", min_value=0.0, value=None, key="custom_output_price")
        window.number_input("Context window, tokens", min_value=1, value=None, step=1024, key="custom_context_window")
        with st.container(horizontal=True):
            tested = st.button("Test endpoint", key="custom_test", icon=":material/network_check:")
            st.button("Add to this session", key="custom_add", type="primary", icon=":material/add:", on_click=_add)
    if tested:
        with st.spinner("Asking the endpoint for its models…"):
            st.session_state.settings_checks["custom"] = check_endpoint(
                st.session_state.custom_base_url, st.session_state.custom_api_key or None
            )
    _last_test()
    _custom_models_table()


def _last_test() -> None:
    checked = st.session_state.settings_checks.get("custom")
    if checked is None:
        return
    show_check(checked, checked.target or "The endpoint")
    if checked.ok and checked.models:
        st.button("Use these model names", key="custom_use_listed", on_click=_use_listed, args=(list(checked.models),))


def _use_listed(models: list[str]) -> None:
    st.session_state.custom_model_names = ", ".join(models)


def _add() -> None:
    """Button callback: build the models, add them to the session, clear the form (the key with it)."""
    state = st.session_state
    try:
        models = custom_models(
            state.custom_name,
            state.custom_base_url,
            state.custom_api_key,
            state.custom_model_names,
            input_price=state.custom_input_price,
            output_price=state.custom_output_price,
            context_window=state.custom_context_window,
        )
    except CatalogError as e:
        set_notice("custom", "error", str(e))
        return
    register_secret(models[0].api_key)  # scrubbed from any error message, like every configured key
    added = {m.id for m in models}
    state.custom_models = [m for m in state.custom_models if m.id not in added] + models
    for key, empty in INPUTS.items():
        state[key] = empty
    state.settings_checks.pop("custom", None)
    ids = ", ".join(f"`{m.id}`" for m in models)
    set_notice("custom", "success", f"Added {ids} to this session's catalog: pick them on the Compare page.")


def _custom_models_table() -> None:
    models: list[Model] = st.session_state.custom_models
    if not models:
        st.caption("No custom models in this session yet.")
        return
    st.markdown("**This session's custom models**")
    rows = [
        {
            "ID": m.id,
            "Model": m.name,
            "Base URL": public_url(m.base_url),
            "Key": mask(m.api_key) or "none",
            "Input $/1M": m.input_price,
            "Output $/1M": m.output_price,
            "Context": m.context_window,
        }
        for m in models
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="custom_models_table")
    endpoints = list(dict.fromkeys(m.id.split("/", 1)[0] for m in models))
    with st.container(horizontal=True):
        for endpoint in endpoints:
            st.button(f"Remove {endpoint}", key=f"remove_custom_{endpoint}", on_click=_remove, args=(endpoint,))


def _remove(endpoint: str) -> None:
    st.session_state.custom_models = [m for m in st.session_state.custom_models if not m.id.startswith(endpoint + "/")]
    set_notice("custom", "info", f"Removed {endpoint}'s models from this session.")
