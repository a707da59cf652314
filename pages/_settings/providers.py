"""Settings, providers tab: the providers table with a Test button each, and keys for this browser session."""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from llm_core.config import Config
from llm_core.health import HealthCheck, ProviderOverview, check_provider, provider_overview, public_url
from llm_core.providers import PROVIDERS
from llm_core.redact import mask

ROW = [2.0, 1.6, 2.0, 2.6, 1.0]  # provider, status, key, base URL, test
SHOWN_MODELS = 15


def providers_section(config: Config) -> None:
    """One row per provider: configured or not, its key's source and masked tail, its base URL, a Test button."""
    st.subheader("Providers", anchor=False)
    with st.container(border=True, key="providers_table"):
        _header()
        for row in provider_overview(config):
            _provider_row(row, config)


def _header() -> None:
    for cell, title in zip(st.columns(ROW), ("Provider", "Status", "Key", "Base URL", ""), strict=True):
        cell.caption(f"**{title}**" if title else "")


def _provider_row(row: ProviderOverview, config: Config) -> None:
    with st.container(key=f"provider_{row.name}"):
        name, status, key, url, test = st.columns(ROW, vertical_alignment="center")
        name.markdown(f"**{row.label}**")
        with status:
            if row.configured:
                st.badge("Configured", icon=":material/check_circle:", color="green")
            elif not row.needs_key:  # a local server (Ollama) that did not answer: say where it was looked for
                st.badge("Not running", icon=":material/power_off:", color="orange")
                st.markdown(f":gray[{row.hint}]")
            else:
                st.badge("Not configured", icon=":material/do_not_disturb_on:", color="gray")
        key.markdown(_key_cell(row))
        url.markdown(_url_cell(row))
        if test.button("Test", key=f"test_{row.name}", icon=":material/network_check:", width="stretch"):
            with st.spinner(f"Asking {row.label} for its models…"):
                st.session_state.settings_checks[row.name] = check_provider(row.name, config)
        checked = st.session_state.settings_checks.get(row.name)
        if checked is not None:
            show_check(checked, row.label)


def _url_cell(row: ProviderOverview) -> str:
    if row.base_url:
        return f"`{row.base_url}`"
    return ":gray[the provider's own]" if row.base_url_variable else ":gray[runs in the app]"


def _key_cell(row: ProviderOverview) -> str:
    if not row.needs_key:
        return ":gray[no key needed]"
    if row.key_source:
        return f"`{row.key_masked}` :gray[from {row.key_source}]"
    return f":gray[set] `{row.key_variable}`"


def show_check(checked: HealthCheck, label: str) -> None:
    """A test's outcome: the round trip and the models, or the error as the provider put it (redacted)."""
    if not checked.ok:
        st.error(f"**{label} did not answer.** {checked.error}", icon=":material/error:")
        return
    names = ", ".join(f"`{m}`" for m in checked.models[:SHOWN_MODELS])
    more = len(checked.models) - SHOWN_MODELS
    listing = f"{names} and {more} more" if more > 0 else names
    st.success(f"**{label} answered: {checked.summary}.** {listing}", icon=":material/check:")


def session_keys_section() -> None:
    """The form for a key (and base URL) used by this browser session only, and the keys it holds now."""
    st.subheader("Use your own key for this session", anchor=False)
    st.caption(
        "Kept in this browser session's memory: used for its calls, never written to disk or logged, "
        "never seen by another session, and gone when the tab closes. A session key comes before secrets "
        "and the environment."
    )
    show_notice("keys")
    choices = [name for name, spec in PROVIDERS.items() if spec.key_vars or spec.base_url_var]
    with st.form("session_key_form", clear_on_submit=True, border=True):
        provider, key, base_url = st.columns([1.3, 2, 2])
        provider.selectbox("Provider", choices, format_func=lambda n: PROVIDERS[n].label, key="session_key_provider")
        key.text_input("API key", type="password", key="session_key_value", placeholder="paste the key")
        base_url.text_input(
            "Base URL (optional)",
            key="session_key_base_url",
            placeholder="blank for the provider's own",
            help="For a proxy or a self-hosted server that speaks this provider's API.",
        )
        st.form_submit_button(
            "Use for this session", key="session_key_submit", type="primary", on_click=_apply_session_key
        )
    _session_keys_list()


def _apply_session_key() -> None:
    """Form callback: runs before the page, so the table above already shows the new key."""
    state = st.session_state
    spec = PROVIDERS[state.session_key_provider]
    key = (state.session_key_value or "").strip()
    base_url = (state.session_key_base_url or "").strip().rstrip("/")
    state.session_key_value = state.session_key_base_url = ""  # the key leaves the widget, whatever happens next
    if not key and not base_url:
        set_notice("keys", "warning", f"Nothing to use: paste a key (or a base URL) for {spec.label}.")
        return
    if key and not spec.key_vars:
        set_notice("keys", "warning", f"{spec.label} needs no key: give only its base URL.")
        return
    if base_url and urlsplit(base_url).scheme not in ("http", "https"):
        set_notice("keys", "warning", f"{public_url(base_url)} is not an http(s) URL.")
        return
    if key:
        state.session_keys[spec.key_vars[0]] = key
    if base_url and spec.base_url_var:
        state.session_keys[spec.base_url_var] = base_url
    state.settings_checks.pop(spec.name, None)  # an earlier test no longer says anything about the new setting
    what = f"key {mask(key)}" if key else f"base URL {public_url(base_url)}"
    if base_url and spec.needs_key and spec.key_vars[0] not in state.session_keys:
        set_notice(
            "keys",
            "warning",
            f"{spec.label} now uses base URL {public_url(base_url)} in this session. Add your own key for it too: "
            "a base URL set here is sent only a key set here, never the app's.",
        )
        return
    set_notice("keys", "success", f"{spec.label} now uses {what} in this session. Press Test to check it.")


def _session_keys_list() -> None:
    keys = st.session_state.session_keys
    if not keys:
        st.caption("This session has no keys of its own.")
        return
    with st.container(border=True, key="session_keys_list"):
        for variable in sorted(keys):
            name, value, forget = st.columns([2, 3, 1], vertical_alignment="center")
            name.markdown(f"`{variable}`")
            shown = public_url(keys[variable]) if variable.endswith("_BASE_URL") else mask(keys[variable])
            value.markdown(f"`{shown}` :gray[this session]")
            forget.button("Forget", key=f"forget_{variable}", on_click=_forget, args=(variable,), width="stretch")


def _forget(variable: str) -> None:
    st.session_state.session_keys.pop(variable, None)
    st.session_state.settings_checks.clear()
    set_notice("keys", "info", f"{variable} is no longer set in this session.")


def set_notice(slot: str, kind: str, text: str) -> None:
    """Remember a callback's outcome (kind: success, info, warning, error) to show on the next run."""
    st.session_state[f"settings_notice_{slot}"] = (kind, text)


def show_notice(slot: str) -> None:
    """Show a callback's outcome once."""
    kind, text = st.session_state.pop(f"settings_notice_{slot}", (None, ""))
    if kind:
        getattr(st, kind)(text)
