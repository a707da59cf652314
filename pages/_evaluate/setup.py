"""Picking a suite, models and a judge, and seeing the estimate before anything is sent."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from llm_core.catalog import Catalog
from llm_core.config import Config
from llm_core.evaluate.judge import PROMPTS
from llm_core.evaluate.limits import DEFAULT_CONCURRENCY
from llm_core.evaluate.suite import Suite, SuiteError, load_suite
from llm_core.readiness import not_ready_reason
from pages._evaluate.state import example_suites

NO_JUDGE = "(no judge)"
PER_ROW = 4  # limits side by side in "Calls at once", narrow enough to read as numbers


def pick_suite() -> Suite | None:
    """An example suite or an uploaded one, read and checked; None (with the problem shown) when it cannot be used."""
    source = st.radio("Suite", ["Example suite", "Upload a suite"], horizontal=True, key="eval_source")
    try:
        if source == "Example suite":
            paths = example_suites()
            path = st.selectbox("Example", paths, format_func=lambda p: p.name, key="eval_example")
            return load_suite(path)
        upload = st.file_uploader("Suite file", type=["toml", "yaml", "yml", "csv", "jsonl"], key="eval_upload")
        if upload is None:
            st.info("Upload a suite file (TOML, YAML, CSV or JSONL); the README shows the format.")
            return None
        return load_suite(upload.name, upload.getvalue())
    except SuiteError as e:
        st.error(str(e), icon=":material/error:")
        return None


def pick_models(suite: Suite, catalog: Catalog, config: Config) -> tuple[list, object | None]:
    """The models to evaluate and the judge, from the suite's defaults; models that cannot be called are named."""
    ids = list(catalog.models)
    defaults = [m for m in suite.models if m in catalog.models] or ids[:2]
    chosen = st.multiselect("Models", ids, default=defaults, key=f"eval_models_{suite.content_hash}")
    for model_id in chosen:
        reason = not_ready_reason(catalog.get(model_id), config)
        if reason:
            st.warning(f"{model_id}: {reason}", icon=":material/key_off:")
    judges = [NO_JUDGE, *[i for i in ids if not catalog.get(i).is_demo]]
    default_judge = judges.index(suite.judge) if suite.judge in judges else 0
    judge = st.selectbox("Judge", judges, index=default_judge, key="eval_judge")
    if judge == NO_JUDGE and suite.needs_judge:
        st.caption("This suite has judge checks: without a judge model they are reported as not graded.")
    return [catalog.get(i) for i in chosen], (None if judge == NO_JUDGE else catalog.get(judge))


def run_options(suite: Suite, providers: dict[str, str]) -> dict:
    """Repeats, budget, pairwise, cache and the calls at once per provider, as the runner takes them."""
    left, middle, right = st.columns(3)
    repeats = left.number_input("Repeats", 1, 100, value=suite.repeats, key="eval_repeats")
    budget = middle.number_input("Budget (USD, 0 = none)", 0.0, 10_000.0, value=0.0, step=0.5, key="eval_budget")
    with right:
        pairwise = st.checkbox("Pairwise judge", value=suite.pairwise, key="eval_pairwise")
        use_cache = st.checkbox("Reuse answers already logged", value=True, key="eval_cache")
    return {
        "repeats": int(repeats), "budget_usd": budget or None, "use_cache": use_cache, "pairwise": pairwise,
        "provider_concurrency": calls_at_once(providers),
    }  # fmt: skip


def calls_at_once(providers: dict[str, str]) -> dict[str, int]:
    """One limit per provider the run calls (its models' and its judge's), each settable on its own."""
    limits: dict[str, int] = {}
    with st.expander("Calls at once", icon=":material/speed:"):
        st.caption("How many answers each provider is asked for at the same time; 429s are retried either way.")
        columns = st.columns(PER_ROW)
        for index, (provider, label) in enumerate(providers.items()):
            limits[provider] = int(
                columns[index % PER_ROW].number_input(
                    label, 1, 64, value=DEFAULT_CONCURRENCY, key=f"eval_calls_{provider}"
                )
            )
    return limits


def with_pairwise(suite: Suite, pairwise: bool) -> Suite:
    """The suite with the page's pairwise choice."""
    return replace(suite, pairwise=pairwise)


def show_judge_prompts(suite: Suite) -> None:
    """The judge prompts in use, with their versions (a suite overrides them with `judge_prompts`)."""
    with st.expander("Judge prompts", icon=":material/gavel:"):
        for kind in PROMPTS:
            prompt = suite.judge_prompts[kind]
            st.markdown(f"**{kind}** · `{prompt.version}`")
            st.code(prompt.text, language=None, wrap_lines=True)
