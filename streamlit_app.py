"""Switchboard: the router. It sets the page up and runs the chosen page, nothing else."""

import streamlit as st

from pages._shared.interpreter import settle_new_code
from pages._shared.session import mark_routed

st.set_page_config(page_title="Switchboard", page_icon=":material/compare_arrows:", layout="wide")

pages = [
    st.Page("pages/compare.py", title="Compare", icon=":material/view_column:", default=True),
    st.Page("pages/evaluate.py", title="Evaluate", icon=":material/fact_check:"),
    st.Page("pages/analytics.py", title="Analytics", icon=":material/monitoring:"),
    st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
]
page = st.navigation(pages)
mark_routed()
page.run()
settle_new_code()  # after the page: a run that loaded new code pays for the collection, not a stream
