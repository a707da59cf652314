"""Settings: see and fix configuration. Providers and this session's keys, a custom endpoint, the catalog,
the templates, and how to deploy. Layout only: llm_core describes and checks providers; keys are shown masked.
"""

import streamlit as st

from pages._settings.custom import custom_endpoint_section
from pages._settings.providers import providers_section, session_keys_section
from pages._settings.reference import catalog_section, deploy_section, templates_section
from pages._shared.session import session_catalog, session_config, start_session

start_session()
st.session_state.setdefault("settings_checks", {})  # provider or endpoint -> llm_core.health.HealthCheck

st.title("Settings", anchor=False)
st.caption(
    "Where each provider's key comes from, whether it answers, and what Switchboard knows about models. "
    "Keys entered here stay in this browser session only."
)

providers_tab, custom_tab, catalog_tab, templates_tab, deploy_tab = st.tabs(
    [
        ":material/key: Providers & keys",
        ":material/hub: Custom endpoint",
        ":material/view_list: Model catalog",
        ":material/description: Templates",
        ":material/cloud_upload: Deploy",
    ],
    key="settings_tabs",
)
with providers_tab:
    providers_section(session_config())
    session_keys_section()
with custom_tab:
    custom_endpoint_section()
with catalog_tab:
    catalog_section(session_catalog(), session_config())
with templates_tab:
    templates_section()
with deploy_tab:
    deploy_section()
