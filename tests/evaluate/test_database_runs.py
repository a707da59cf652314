"""Evaluation runs kept in the database backend (SQLite here) exactly as in the CSV files: records, resume, CLI."""

from __future__ import annotations

import json

from llm_core.catalog import catalog_with_local_models
from llm_core.cli.main import main
from llm_core.config import Config
from llm_core.evaluate.records import load_run, run_table
from llm_core.evaluate.runner import EvalRun, resume_run
from llm_core.evaluate.suite import load_suite


def test_a_run_on_the_database_keeps_its_records_there_and_resumes(suite_file, isolated, monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", f"sqlite:///{isolated / 'switchboard.db'}")
    from llm_core.store.csv_store import default_store

    store = default_store()
    catalog = catalog_with_local_models(Config())
    run = EvalRun(load_suite(suite_file), [catalog.get("echo")], catalog=catalog, store=store, budget_usd=None)
    run.stop("stopped")  # stopped before it starts: nothing runs, the run is recorded
    assert run.run().status == "stopped" and len(run.pending()) == 3
    resumed = resume_run(load_suite(suite_file), run.run_id, catalog=catalog, store=store)
    assert resumed.run().status == "finished"
    assert load_run(store, run.run_id).status == "finished"
    assert len(run_table(store, "cells", run.run_id)) == 3 and len(run_table(store, "checks", run.run_id)) == 4
    assert not list((isolated / "logs").glob("eval_*.csv"))  # nothing went to CSV files


def test_the_cli_gate_runs_on_the_database(suite_file, isolated, monkeypatch, capsys):
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", f"sqlite:///{isolated / 'switchboard.db'}")
    assert main(["eval", str(suite_file), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert summary["status"] == "finished" and summary["unfinished_cells"] == 0
