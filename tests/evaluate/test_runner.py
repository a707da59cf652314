"""A run end to end on offline models: records, the cache, the budget stop and resuming after a killed process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from llm_core.catalog import catalog_with_local_models
from llm_core.config import Config
from llm_core.evaluate.records import load_run, run_table
from llm_core.evaluate.runner import EvalRun, resume_run
from llm_core.evaluate.suite import load_suite
from llm_core.evaluate.summary import summarise
from llm_core.options import Options
from tests.loopback import Behaviour

ROOT = Path(__file__).parents[2]


def new_run(suite_file, store, models=("echo", "echo-outline"), **kw) -> EvalRun:
    catalog = catalog_with_local_models(Config())
    suite = load_suite(suite_file)
    return EvalRun(suite, [catalog.get(m) for m in models], catalog=catalog, store=store, **kw)


def eval_rows(store, run_id: str):
    frame = store.read_requests().frame
    return frame[frame["run_id"] == run_id]


def test_a_run_logs_every_answer_tagged_and_records_each_cell_and_check(suite_file, store):
    run = new_run(suite_file, store, repeats=2)
    record = run.run()
    assert record.status == "finished" and record.finished
    rows = eval_rows(store, run.run_id)
    assert len(rows) == 3 * 2 * 2 and set(rows["case_id"]) == {"hello", "bye", "thanks"}
    assert sorted(set(rows["repeat"])) == [1, 2]
    cells = run_table(store, "cells", run.run_id)
    assert len(cells) == 12 and (cells["passed"] == "yes").all()
    assert len(run_table(store, "checks", run.run_id)) == 2 * 2 * (1 + 2 + 1)
    saved = load_run(store, run.run_id)
    assert (saved.status, saved.models, saved.repeats, saved.suite_hash) == (
        "finished", ["echo", "echo-outline"], 2, run.suite.content_hash
    )  # fmt: skip


def test_a_failing_assertion_is_recorded_with_why(suite_file, store):
    suite_file.write_text(suite_file.read_text().replace('value = "Grace"', 'value = "Hopper"'))
    run = new_run(suite_file, store)
    run.run()
    table = summarise(store, run.run_id, ["echo", "echo-outline"])
    assert list(table["passed"]) == [2, 2] and list(table["cells"]) == [3, 3]
    checks = run_table(store, "checks", run.run_id)
    failed = checks[checks["outcome"] == "fail"]
    assert set(failed["case_id"]) == {"bye"} and "does not contain 'Hopper'" in failed["detail"].iloc[0]


def test_a_second_run_is_answered_from_the_cache_and_left_out_of_latency(suite_file, store):
    new_run(suite_file, store).run()
    before = len(store.read_requests().frame)
    again = new_run(suite_file, store)
    again.run()
    assert len(store.read_requests().frame) == before  # no model was called
    cells = run_table(store, "cells", again.run_id)
    assert (cells["cached"] == "yes").all() and (cells["cost_usd"] == 0).all()
    table = summarise(store, again.run_id, ["echo", "echo-outline"])
    assert list(table["cached"]) == [3, 3] and table["p50_latency_ms"].isna().all()


def test_no_cache_calls_the_models_again(suite_file, store):
    new_run(suite_file, store).run()
    again = new_run(suite_file, store, use_cache=False)
    again.run()
    assert len(eval_rows(store, again.run_id)) == 6
    assert (run_table(store, "cells", again.run_id)["cached"] != "yes").all()


def test_the_budget_stops_the_run_before_it_is_exceeded_and_resuming_finishes_it(suite_file, store, priced_server):
    priced_server.script(Behaviour(reply="Hello Ada Grace Linus", prompt_tokens=10))  # 14 tokens: $0.014
    run = new_run(suite_file, store, models=("loop-priced",), budget_usd=0.035, options=Options(max_tokens=5))
    estimate = run.estimate()
    assert estimate.calls == 3 and estimate.cost_usd > 0.035  # the estimate said so before anything was sent
    record = run.run()
    assert record.status == "budget" and "budget of $0.035" in record.note
    assert 0 < record.spent_usd <= 0.035
    assert 0 < len(run.pending()) < 3
    resumed = resume_run(run.suite, run.run_id, catalog=run.catalog, store=store)
    assert resumed.run().status == "finished" and not resumed.pending()
    assert len(eval_rows(store, run.run_id)) == 3  # each cell answered once in all


def test_a_killed_run_resumes_with_only_the_cells_that_did_not_finish(suite_file, store):
    more = "".join(f'\n[[cases]]\nid = "more-{i}"\nprompt = "Say hello to Ada, {i}"\n' for i in range(7))
    # ten slow cells one at a time: however late a loaded machine lands the kill, some are left to resume
    suite_file.write_text(suite_file.read_text().replace('["echo", "echo-outline"]', '["echo-slow"]') + more)
    cases = {"hello", "bye", "thanks"} | {f"more-{i}" for i in range(7)}
    child = subprocess.Popen(
        [sys.executable, "-m", "llm_core", "eval", str(suite_file), "--concurrency", "1"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if store.directory.joinpath("eval_cells.csv").exists() and len(store.read_evaluation("cells").frame):
                break
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(30)
    run_id = store.read_evaluation("runs").frame["run_id"].iloc[-1]
    assert load_run(store, run_id).status == "running"  # killed: it never said it ended
    finished_before = set(run_table(store, "cells", run_id)["case_id"])
    assert 1 <= len(finished_before) < len(cases)
    answered_before = set(eval_rows(store, run_id).query("status == 'ok'")["case_id"])
    catalog = catalog_with_local_models(Config())
    resumed = resume_run(load_suite(suite_file), run_id, catalog=catalog, store=store)
    assert {c.case.id for c in resumed.pending()} == cases - finished_before
    assert resumed.run().status == "finished"
    ok = eval_rows(store, run_id).query("status == 'ok'")
    assert sorted(ok["case_id"]) == sorted(cases)  # none answered twice
    assert answered_before <= set(ok["case_id"])
    assert len(run_table(store, "cells", run_id)) == len(cases)


def test_resuming_a_changed_suite_is_refused(suite_file, store):
    run = new_run(suite_file, store, budget_usd=None)
    run.run()
    suite_file.write_text(suite_file.read_text() + '\n[[cases]]\nid = "new"\nprompt = "p"\n')
    import pytest

    from llm_core.evaluate.suite import SuiteError

    with pytest.raises(SuiteError, match="has changed since run"):
        resume_run(load_suite(suite_file), run.run_id, catalog=run.catalog, store=store)


def count_calls_at_once(run, by=lambda model_id: "all") -> int | dict[str, int]:
    """The most calls that were in flight at the same time during the run (per group of models when `by` is given)."""
    import threading
    from collections import Counter

    from llm_core import engine

    seen, live, lock, original = Counter(), Counter(), threading.Lock(), engine.Turn.complete

    def counting(self):
        group = by(self.result.requested_model)
        with lock:
            live[group] += 1
            seen[group] = max(seen[group], live[group])
        try:
            return original(self)
        finally:
            with lock:
                live[group] -= 1

    engine.Turn.complete = counting
    try:
        run.run()
    finally:
        engine.Turn.complete = original
    return seen["all"] if set(seen) == {"all"} else dict(seen)


def test_concurrency_is_bounded_per_provider(suite_file, store):
    run = new_run(suite_file, store, models=("echo-slow",), concurrency=2)
    assert count_calls_at_once(run) == 2


def test_a_providers_own_limit_holds_for_it_while_the_others_keep_the_default(suite_file, store, priced_server):
    priced_server.script(Behaviour(reply="Hello Ada, goodbye Grace, thanks Linus", ttft_ms=1000))
    run = new_run(suite_file, store, models=("echo-slow", "echo", "loop-priced"), concurrency=3,
                  provider_concurrency={"echo": 1})  # fmt: skip
    provider = {m.id: m.provider for m in run.models}
    assert count_calls_at_once(run, by=provider.get) == {"echo": 1, "openai": 3}


def test_judge_calls_count_against_their_providers_limit_too(suite_file, store, priced_server):
    priced_server.script(Behaviour(reply="Fine. Score: 9", ttft_ms=50))
    suite_file.write_text(suite_file.read_text().replace('{ type = "icontains", value = "ada" }',
                                                         '{ type = "judge", value = "Polite?" }'))  # fmt: skip
    catalog = catalog_with_local_models(Config())
    run = new_run(suite_file, store, models=("loop-priced",), concurrency=1, judge=catalog.get("loop-judge"))
    assert count_calls_at_once(run) == 1  # answers and the judge share the one openai gate
    checks = run_table(store, "checks", run.run_id)
    assert list(checks[checks["check"].str.startswith("judge")]["score"]) == [9.0]
