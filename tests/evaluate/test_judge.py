"""The judge flow through a loopback model playing the judge: rubric scores, pairwise in both orders, votes."""

from __future__ import annotations

import json
from dataclasses import replace

from llm_core.catalog import catalog_with_local_models
from llm_core.config import Config
from llm_core.evaluate.judge import combine, parse_score, parse_verdict
from llm_core.evaluate.records import load_run, run_table
from llm_core.evaluate.runner import EvalRun, resume_run
from llm_core.evaluate.suite import load_suite
from llm_core.evaluate.summary import summarise
from tests.loopback import Behaviour

ONE_CASE = """
name = "judged"
[[cases]]
id = "ada"
prompt = "Who was Ada Lovelace?"
expected = "A mathematician who wrote the first published program."
assert = [{ type = "judge", value = "Is it accurate?", threshold = 7 }]
"""


def judged_run(tmp_path, store, text, models=("echo", "echo-outline"), judge="loop-judge", pairwise=False):
    path = tmp_path / "judged.toml"
    path.write_text(text.replace('name = "judged"', f'name = "judged"\npairwise = {str(pairwise).lower()}'))
    catalog = catalog_with_local_models(Config())
    suite = load_suite(path)
    return EvalRun(
        suite,
        [catalog.get(m) for m in models],
        catalog=catalog,
        store=store,
        judge=catalog.get(judge) if judge else None,
    )


def test_a_rubric_check_passes_at_or_above_its_threshold_and_fails_below(tmp_path, store, priced_server):
    priced_server.script(Behaviour(reply="Accurate and complete. Score: 8"), Behaviour(reply="Vague. Score: 4"))
    run = judged_run(tmp_path, store, ONE_CASE, models=("echo",))
    run.run()
    (check,) = run_table(store, "checks", run.run_id).to_dict("records")
    assert (check["outcome"], check["score"]) == ("pass", 8.0) and "rubric-v1" in check["detail"]
    sent = priced_server.last.body["messages"][0]["content"]
    assert "Is it accurate?" in sent and "first published program" in sent and "You said: Who was Ada" in sent
    again = judged_run(tmp_path, store, ONE_CASE, models=("echo-outline",))
    again.run()
    (check,) = run_table(store, "checks", again.run_id).to_dict("records")
    assert (check["outcome"], check["score"]) == ("fail", 4.0)
    assert summarise(store, run.run_id, ["echo"])["judge_score"].iloc[0] == 8.0


def test_a_judge_reply_without_a_score_fails_the_check_saying_so(tmp_path, store, priced_server):
    priced_server.script(Behaviour(reply="I think it is fine."))
    run = judged_run(tmp_path, store, ONE_CASE, models=("echo",))
    run.run()
    assert "gave no 'Score: N'" in run_table(store, "checks", run.run_id)["detail"].iloc[0]


def test_without_a_judge_a_judge_check_says_it_needs_one_and_does_not_fail(tmp_path, store, models):
    run = judged_run(tmp_path, store, ONE_CASE, models=("echo",), judge=None)
    run.run()
    (check,) = run_table(store, "checks", run.run_id).to_dict("records")
    assert check["outcome"] == "skipped" and "needs a judge model: pass --judge MODEL" in check["detail"]
    demo = judged_run(tmp_path, store, ONE_CASE, models=("echo",), judge="echo-outline")
    demo.run()
    assert "offline demo and cannot grade" in run_table(store, "checks", demo.run_id)["detail"].iloc[0]


NO_RUBRIC = ONE_CASE.replace('assert = [{ type = "judge", value = "Is it accurate?", threshold = 7 }]', "")


def test_pairwise_judges_both_orders_and_agreeing_verdicts_become_a_judge_vote(tmp_path, store, priced_server):
    # first order shows echo as A: A wins; second shows echo-outline as A: B wins. Both say echo.
    priced_server.script(Behaviour(reply="A is better. [[A]]"), Behaviour(reply="B is better. [[B]]"))
    run = judged_run(tmp_path, store, NO_RUBRIC, pairwise=True)
    run.run()
    first, second = (json.loads(json.dumps(r.body)) for r in priced_server.requests[-2:])
    echo_text = store.find_request(run_table(store, "cells", run.run_id).query("model == 'echo'")["request_id"][0])
    shown_first = first["messages"][0]["content"]
    assert shown_first.index(echo_text["response"]) < shown_first.index("assistant B's answer]")
    assert second["messages"][0]["content"].index(echo_text["response"]) > second["messages"][0]["content"].index(
        "assistant B's answer]"
    )
    (verdict,) = run_table(store, "verdicts", run.run_id).to_dict("records")
    assert (verdict["first"], verdict["second"], verdict["outcome"]) == ("A", "B", "a")
    votes = store.read_votes().frame
    assert list(votes["rater"]) == ["loop-judge"] and votes["winner"].iloc[0] == verdict["request_a"]
    table = summarise(store, run.run_id, ["echo", "echo-outline"])
    assert list(table["wins"]) == [1, 0] and list(table["losses"]) == [0, 1]


def test_pairwise_verdicts_that_disagree_are_inconsistent_and_count_as_a_tie(tmp_path, store, priced_server):
    priced_server.script(Behaviour(reply="[[A]]"), Behaviour(reply="[[A]]"))  # each order prefers what it saw first
    run = judged_run(tmp_path, store, NO_RUBRIC, pairwise=True)
    run.run()
    (verdict,) = run_table(store, "verdicts", run.run_id).to_dict("records")
    assert verdict["outcome"] == "inconsistent"
    assert store.read_votes().frame["winner"].iloc[0] == "tie"
    assert list(summarise(store, run.run_id, ["echo", "echo-outline"])["inconsistent"]) == [1, 1]


def test_a_pairwise_run_stopped_before_its_pairs_resumes_them_though_the_file_says_no_pairwise(
    tmp_path, store, priced_server
):
    priced_server.script(Behaviour(reply="A is better. [[A]]"), Behaviour(reply="B is better. [[B]]"))
    path = tmp_path / "plain.toml"
    path.write_text(NO_RUBRIC)  # no `pairwise` in the file: `--pairwise` or the page's box asks for it
    catalog = catalog_with_local_models(Config())
    models, judge = [catalog.get("echo"), catalog.get("echo-outline")], catalog.get("loop-judge")
    run = EvalRun(replace(load_suite(path), pairwise=True), models, catalog=catalog, store=store, judge=judge)
    run.run(lambda progress: run.stop() if progress.done == progress.total else None)  # stopped after the answers
    assert load_run(store, run.run_id).status == "stopped" and run_table(store, "verdicts", run.run_id).empty
    resumed = resume_run(load_suite(path), run.run_id, catalog=catalog, store=store)
    assert resumed.run().status == "finished"
    (verdict,) = run_table(store, "verdicts", run.run_id).to_dict("records")
    assert verdict["outcome"] == "a"


def test_the_verdict_and_score_parsers_read_the_last_mark():
    assert parse_score("Score: 3 ... on reflection Score: 9") == 9.0 and parse_score("Score: 11") is None
    assert parse_verdict("[[B]] no, [[C]]") == "tie" and parse_verdict("no verdict") is None
    assert combine("tie", "tie") == "tie" and combine("B", "A") == "b" and combine(None, "A") == "error"
