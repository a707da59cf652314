"""What a run gives back: downloads safe in a spreadsheet, run against run, and people against the judge."""

from __future__ import annotations

import io
import json

import pandas as pd

from llm_core.catalog import catalog_with_local_models
from llm_core.config import Config
from llm_core.evaluate.agreement import agreements
from llm_core.evaluate.results import disagreeing, results_csv, results_json, run_against_run
from llm_core.evaluate.runner import EvalRun
from llm_core.evaluate.suite import load_suite


def run_once(suite_file, store, models=("echo", "echo-outline")):
    catalog = catalog_with_local_models(Config())
    run = EvalRun(load_suite(suite_file), [catalog.get(m) for m in models], catalog=catalog, store=store)
    run.run()
    return run.run_id


def test_the_csv_download_cannot_run_as_a_formula_and_the_json_has_every_cell(suite_file, store):
    suite_file.write_text(suite_file.read_text().replace("Say thanks to Linus", "=HYPERLINK(1) thanks"))
    run_id = run_once(suite_file, store)
    frame = pd.read_csv(io.BytesIO(results_csv(store, run_id)))
    assert not frame["prompt"].astype(str).str.startswith("=").any()
    assert "'=HYPERLINK(1) thanks" in set(frame["prompt"])
    cells = json.loads(results_json(store, run_id))
    assert len(cells) == 6 and {"case_id", "model", "response", "checks", "passed"} <= set(cells[0])


def test_run_against_run_names_the_cases_that_got_worse(suite_file, store):
    first = run_once(suite_file, store)
    suite_file.write_text(suite_file.read_text().replace('value = "ada"', 'value = "lovelace"'))
    second = run_once(suite_file, store)
    changes = run_against_run(store, first, second)
    worse = changes[changes["change"] == "worse"]
    assert set(worse["case_id"]) == {"hello"} and len(worse) == 2
    assert changes["change"].iloc[0] == "worse"  # what changed comes first


def test_models_disagree_where_one_passes_and_another_fails(suite_file, store):
    suite_file.write_text(suite_file.read_text().replace('value = "Grace"', 'value = "You said"'))
    assert disagreeing(store, run_once(suite_file, store)) == {"bye"}  # only the mirror demo says "You said"


def vote(comparison, winner, ids, rater):
    models = ["a", "b", "c", "d"][: len(ids)]
    return {"timestamp": "2026-01-01T00:00:00Z", "comparison_id": comparison, "winner": winner,
            "models": models, "request_ids": ids, "rater": rater}  # fmt: skip


def test_agreement_between_people_and_a_judge_is_a_share_and_cohens_kappa():
    pairs = [["r1", "r2"], ["r3", "r4"], ["r5", "r6"], ["r7", "r8"]]
    people = ["r1", "r4", "tie", "r7"]
    judge = ["r1", "r4", "r5", "r8"]
    votes = pd.DataFrame(
        [vote(f"c{i}", w, ids, "human") for i, (w, ids) in enumerate(zip(people, pairs, strict=True))]
        + [vote(f"j{i}", w, ids, "gpt-judge") for i, (w, ids) in enumerate(zip(judge, pairs, strict=True))]
        + [vote("x", "r9", ["r9", "r10"], "gpt-judge")]  # no person voted on this pair: left out
    )
    (found,) = agreements(votes)
    assert (found.judge, found.pairs, found.agreed) == ("gpt-judge", 4, 0.5)
    # people: first 2, second 1, tie 1; judge: first 2, second 2 -> chance agreement (2*2 + 1*2) / 16
    assert abs(found.kappa - (0.5 - 6 / 16) / (1 - 6 / 16)) < 1e-12


def test_a_best_of_three_vote_is_compared_with_the_judge_on_each_pair_it_implies():
    votes = pd.DataFrame(
        [
            vote("h1", "r1", ["r3", "r1", "r2"], "human"),  # r1 beats r2 and r3; says nothing of r2 against r3
            vote("h2", "tie", ["r4", "r5"], "human"),
            vote("h3", "both_bad", ["r6", "r7", "r8"], "human"),  # all bad: a tie on each of the three pairs
            vote("j1", "r1", ["r1", "r2"], "gpt-judge"),  # agrees
            vote("j2", "r3", ["r1", "r3"], "gpt-judge"),  # disagrees: people chose r1 over r3
            vote("j3", "r2", ["r2", "r3"], "gpt-judge"),  # left out: no person's vote implies this pair
            vote("j4", "r5", ["r4", "r5"], "gpt-judge"),  # disagrees with the tie
            vote("j5", "tie", ["r7", "r6"], "gpt-judge"),  # agrees (an inconsistent verdict is logged as a tie)
            vote("j6", "r8", ["r7", "r8"], "gpt-judge"),  # disagrees with all bad
        ]
    )
    (found,) = agreements(votes)
    assert (found.judge, found.pairs, found.agreed) == ("gpt-judge", 5, 0.4)
    # people: first 2 (r1 over r2, r1 over r3), tie 3; judge: first 1, second 3, tie 1
    # chance agreement (2*1 + 3*1 + 0*3) / 25 = 0.2, so kappa = (0.4 - 0.2) / (1 - 0.2) = 0.25
    assert abs(found.kappa - 0.25) < 1e-12
