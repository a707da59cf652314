"""Evaluate: a suite of prompts against several models, checked by assertions and a judge, while the grid fills.
Layout only: llm_core.evaluate reads the suite, runs the calls, checks, judges and records.
"""

import time

import streamlit as st

from llm_core.errors import SwitchboardError
from llm_core.evaluate.limits import providers_used
from llm_core.evaluate.records import list_runs, load_run
from llm_core.evaluate.runner import EvalRun, resume_run
from llm_core.session.display import format_cost
from llm_core.store.csv_store import default_store
from pages._evaluate import state
from pages._evaluate.case import render_case
from pages._evaluate.grid import filtered_cases, render_grid
from pages._evaluate.setup import pick_models, pick_suite, run_options, show_judge_prompts, with_pairwise
from pages._evaluate.summary import render_downloads, render_run_against_run, render_summary
from pages._shared.session import session_catalog, session_config, start_session

start_session()
store, config, catalog = default_store(), session_config(), session_catalog()

st.title("Evaluate", anchor=False)
st.caption("Run a suite of prompts against several models; every answer is checked, logged and kept for later runs.")

suite = pick_suite()
if suite is None:
    st.stop()
models, judge = pick_models(suite, catalog, config)
options = run_options(suite, providers_used(models, judge))
suite = with_pairwise(suite, options.pop("pairwise"))
show_judge_prompts(suite)
if not models:
    st.info("Pick at least one model to evaluate.")
    st.stop()

run = EvalRun(suite, models, catalog=catalog, store=store, judge=judge, config=config, **options)
estimate = run.estimate()
unpriced = f" (no price for {', '.join(estimate.unpriced)})" if estimate.unpriced else ""
st.markdown(
    f"**{estimate.calls} answers** and **{estimate.judge_calls} judge calls**, estimated"
    f" **{format_cost(estimate.cost_usd)}**{unpriced}, before answers already in the log are reused."
)

current = state.live()
running = current is not None and current.running
unfinished = list_runs(store, suite.name).query("status != 'finished'")
with st.container(horizontal=True):
    start = st.button("Run", type="primary", key="eval_run", icon=":material/play_arrow:", disabled=running)
    st.button("Stop", key="eval_stop", icon=":material/stop:", on_click=state.stop, disabled=not running)
    resume_id = (
        st.selectbox("Unfinished run", list(unfinished["run_id"]), key="eval_resume_id", label_visibility="collapsed")
        if len(unfinished) and not running
        else None
    )
    resume = st.button("Resume", key="eval_resume", icon=":material/replay:", disabled=not resume_id)

if start:
    state.start(run)
    st.rerun()  # drawn again with the run going: Stop enabled, Run not
elif resume and resume_id:
    kept = {k: v for k, v in options.items() if k != "repeats"}  # a resumed run keeps its own repeats
    try:
        again = resume_run(suite, resume_id, catalog=catalog, store=store, config=config, **kept)
    except SwitchboardError as e:  # a changed suite or an unknown run: say what to do
        st.error(str(e), icon=":material/error:")
    else:
        state.start(again)
        st.rerun()

shown = st.session_state.get("eval_shown_run") or (list_runs(store, suite.name)["run_id"].head(1).tolist() or [None])[0]
if running:  # as the buttons were drawn: a run that has ended since still needs the rerun that enables Run
    bar, grid_area = st.empty(), st.empty()
    while current.running:
        progress = current.drain()
        done, total = (progress.done, progress.total) if progress else (0, len(current.run.pending()) or 1)
        spent = progress.spent_usd if progress else 0.0
        bar.progress(done / max(total, 1), text=f"{done} of {total} cells · spent {format_cost(spent)}")
        with grid_area.container():
            render_grid(store, current.run.run_id, [c.id for c in suite.cases], [m.id for m in current.run.models],
                        key=f"eval_live_grid_{done}", live=True)  # fmt: skip
        time.sleep(0.3)
    st.rerun()
if current is not None and current.error:
    st.error(current.error, icon=":material/error:")

if shown is None:
    st.stop()
record = load_run(store, shown)
shown_models = record.models  # the models that run asked, whatever is picked above now
st.caption(f"Run `{shown}` · {record.status}{' · ' + record.note if record.note else ''}")

results, summary_tab, history_tab = st.tabs(["Results", "Summary", "Run against run"], key="eval_tabs")
with results:
    case_ids = filtered_cases(store, shown, suite)
    render_grid(store, shown, case_ids, shown_models)
    render_case(store, shown, suite, case_ids, shown_models)
with summary_tab:
    render_summary(store, shown, shown_models)
    render_downloads(store, shown)
with history_tab:
    render_run_against_run(store, shown, suite.name)
