"""Settings, reference tabs: the model catalog, the prompt templates, and deploying to Community Cloud."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from llm_core.catalog import Catalog
from llm_core.config import Config
from llm_core.errors import SwitchboardError
from llm_core.health import provider_overview
from llm_core.readiness import is_ready
from llm_core.store.backend import database_url
from llm_core.store.csv_store import default_store
from llm_core.store.database import DatabaseStore
from llm_core.templates import usable_templates

ROW_PX = 35  # st.dataframe's default row height
PRICE = st.column_config.NumberColumn(format="$%.2f", help="USD per million tokens")


def catalog_section(catalog: Catalog, config: Config) -> None:
    """Every model this session can pick: provider, prices, context window, priority for `auto`, fallbacks."""
    st.subheader("Model catalog", anchor=False)
    sources = " + ".join(f"`{p.name}`" for p in catalog.sources)
    st.caption(
        f"From {sources}, with local Ollama models and this session's custom endpoints. Override or extend it "
        "with `./models.toml` or `$SWITCHBOARD_MODELS`. `auto` picks the ready model with the highest priority."
    )
    rows = [
        {
            "ID": m.id,
            "Label": m.label,
            "Provider": m.provider,
            "Ready": m.is_demo or is_ready(m, config),
            "Input": m.input_price,
            "Output": m.output_price,
            "Context": m.context_window,
            "Priority": m.priority,
            "Fallbacks": ", ".join(m.fallbacks),
            "Aliases": ", ".join(m.aliases),
        }
        for m in catalog.models.values()
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        height=ROW_PX * (len(rows) + 1) + 3,  # every model visible without scrolling inside the table
        key="catalog_table",
        column_config={
            "ID": st.column_config.TextColumn(pinned=True, width="medium"),
            "Label": st.column_config.TextColumn(width="medium"),
            "Fallbacks": st.column_config.TextColumn(width="medium"),
            "Ready": st.column_config.CheckboxColumn(help="Its key is set, or its local server listed it"),
            "Input": PRICE,
            "Output": PRICE,
            "Context": st.column_config.NumberColumn(format="localized", help="Context window, tokens"),
            "Priority": st.column_config.NumberColumn(help="Higher is preferred by auto"),
        },
    )


def templates_section() -> None:
    """Each template: what it is for, its system prompt, and its text with the {prompt} placeholder."""
    st.subheader("Prompt templates", anchor=False)
    st.caption("Shipped in `templates.toml`; add your own in `./templates.toml` or `$SWITCHBOARD_TEMPLATES`.")
    for template in usable_templates().templates.values():  # the shipped ones when the user's file is broken
        title = f"**{template.name}** · {template.description or 'no description'}"
        with st.expander(title, key=f"template_{template.name}"):
            if template.system:
                st.markdown(f"**System:** {template.system}")
            st.code(template.text, language=None, wrap_lines=True)


def deploy_section() -> None:
    """Which secrets to set on Streamlit Community Cloud, and why to download the logs before a restart."""
    st.subheader("Deploy to Streamlit Community Cloud", anchor=False)
    st.markdown(
        "1. Push this repository to GitHub (`.streamlit/secrets.toml` is git-ignored: keys never go in the repo).\n"
        "2. On [share.streamlit.io](https://share.streamlit.io), create an app from the repository with "
        "`streamlit_app.py` as the main file.\n"
        "3. In **Advanced settings → Secrets**, paste the keys of the providers you want; any you leave out stay "
        "*not configured* (visitors can still add their own on this page, for their session only):"
    )
    st.code(secrets_template(), language="toml")
    st.warning(
        "Every visitor's calls use the keys in Secrets: keep the app private, or set spending limits with "
        "each provider.",
        icon=":material/group:",
    )
    log_store_section()


def log_store_section() -> None:
    """Where the logs are kept now (never the database password), and how to keep them on Community Cloud."""
    st.markdown("**Where the logs are kept**")
    try:
        store = default_store()
    except SwitchboardError as e:
        st.error(str(e), icon=":material/error:")
        return
    url, source = database_url()
    if url:
        st.success(
            f"Logs go to the {store.kind} database `{store.location}` (set in {source}). They survive restarts "
            "and redeploys, and every replica, the CLI and the API share them.",
            icon=":material/database:",
        )
    else:
        st.warning(
            f"Logs go to CSV files in `{store.location}`. Community Cloud's disk is temporary: they are lost when "
            "the app restarts, sleeps or is redeployed. Download them now and then, or keep them in a database:",
            icon=":material/warning:",
        )
    with st.expander("Keep the logs in a hosted PostgreSQL database", expanded=not url, icon=":material/database:"):
        st.markdown(
            "1. Create a free PostgreSQL database (Neon, Supabase, or any PostgreSQL) and copy its connection "
            "string, `postgresql://user:password@host/database`.\n"
            "2. In the app's **Advanced settings → Secrets** on Community Cloud (or `.streamlit/secrets.toml`), add "
            "either line below. The password is a secret: Switchboard never shows or logs it.\n"
            "3. Reboot the app. Switchboard creates its tables itself; this section then names the database.\n"
            "4. Bring the logs you already have along, from a machine that has them: "
            "`SWITCHBOARD_DATABASE_URL=... python -m llm_core logs import logs/` (running it twice adds nothing)."
        )
        st.code(DATABASE_SECRETS_EXAMPLE, language="toml")
        st.caption(
            "On one machine, `sqlite:///logs/switchboard.db` keeps the logs in one SQLite file that the app, the "
            "CLI and the API share. `python -m llm_core logs export DIR` writes a database back out as CSV files."
        )
    _log_downloads(store)


DATABASE_SECRETS_EXAMPLE = """SWITCHBOARD_DATABASE_URL = "postgresql://user:password@host/database?sslmode=require"

# or Streamlit's own convention for connections:
[connections.switchboard]
url = "postgresql://user:password@host/database?sslmode=require"
"""


def secrets_template() -> str:
    """A secrets.toml skeleton naming every provider's key variable (values are placeholders)."""
    lines = ["# .streamlit/secrets.toml, or the Secrets box on Community Cloud"]
    for row in provider_overview(Config(session={}, secrets={})):
        if row.needs_key:
            lines.append(f'{row.key_variable} = "paste your {row.label} key"')
    lines += ["", "# optional: a proxy or self-hosted server that speaks a provider's API", '# OPENAI_BASE_URL = "..."']
    return "\n".join(lines)


def _log_downloads(store) -> None:
    if isinstance(store, DatabaseStore):
        if problem := store.problem():
            st.error(f"The logs cannot be saved now: {problem}", icon=":material/error:")
        else:
            _database_downloads(store)
        return
    files = [store.requests_path, store.ratings_path, store.votes_path]
    with st.container(horizontal=True, key="log_downloads"):
        for path in files:
            st.download_button(
                path.name,
                data=_reader(path),
                file_name=path.name,
                mime="text/csv",
                key=f"download_{path.stem}",
                icon=":material/download:",
                on_click="ignore",
                disabled=not path.is_file(),
                help=None if path.is_file() else "Nothing logged yet",
            )


def _reader(path: Path):
    return lambda: path.read_bytes() if path.is_file() else b""


def _database_downloads(store) -> None:
    """The database's logs as the same three CSV files, written when a button is clicked."""
    with st.container(horizontal=True, key="log_downloads"):
        for name in ("requests.csv", "ratings.csv", "votes.csv"):
            st.download_button(
                name,
                data=_exported(store, name),
                file_name=name,
                mime="text/csv",
                key=f"download_{Path(name).stem}",
                icon=":material/download:",
                on_click="ignore",
            )


def _exported(store, name: str):
    def export() -> bytes:
        from llm_core.store.transfer import export_folder

        with tempfile.TemporaryDirectory() as folder:
            export_folder(store, Path(folder))
            return (Path(folder) / name).read_bytes()

    return export
