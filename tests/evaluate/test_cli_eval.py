"""`eval` as a CI gate: 0 when every assertion passed, 1 when one failed, 2 for bad usage; --json records."""

from __future__ import annotations

import json

import pytest

from llm_core.cli.main import main


def test_a_passing_suite_exits_0_and_prints_the_per_model_table(suite_file, capsys):
    assert main(["eval", str(suite_file)]) == 0
    out, err = capsys.readouterr()
    assert "echo-outline" in out and "3/3" in out and "p50 ms" in out
    assert "estimate $0" in err and "[6/6] pass" in err


def test_a_broken_assertion_exits_1_and_names_the_failure(suite_file, capsys):
    suite_file.write_text(suite_file.read_text().replace('value = "ada"', 'value = "babbage"'))
    assert main(["eval", str(suite_file), "-m", "echo"]) == 1
    out, _ = capsys.readouterr()
    assert "FAIL hello · echo #1: icontains babbage" in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["eval", "missing.toml"], "could not read the suite"),
        (["eval", "{suite}", "-m", "no-such-model"], "no-such-model"),
        (["eval", "{suite}", "--resume", "nope"], "no evaluation run 'nope'"),
        (["eval", "{suite}", "--resume", "nope", "--repeats", "2", "--judge", "echo"], "leave out --judge, --repeats"),
        (["eval", "{suite}", "--concurrency", "openai=none"], "give N or PROVIDER=N"),
        (["eval", "{suite}", "--concurrency", "opnai=2"], "no provider 'opnai'; known: openai"),
        (["eval", "{suite}", "--budget", "-1"], "above 0"),
        (["eval", "{suite}", "--repeats", "0"], "at least 1"),
        (["eval", "{suite}", "-m", "llama-3.1-8b"], "llama-3.1-8b: set GROQ_API_KEY"),
        (["eval", "{suite}", "--judge", "gemini-2.5-flash"], "nothing was sent"),
    ],
)
def test_bad_usage_exits_2_with_a_message(suite_file, capsys, args, says):
    assert main([a.replace("{suite}", str(suite_file)) for a in args]) == 2
    assert says in capsys.readouterr().err


def test_an_invalid_suite_exits_2_before_any_call(suite_file, store, capsys):
    suite_file.write_text(suite_file.read_text().replace('type = "contains"', 'type = "containz"'))
    assert main(["eval", str(suite_file)]) == 2
    assert "case bye: assert[0]: unknown assertion type 'containz'" in capsys.readouterr().err
    assert not store.requests_path.exists()


def test_json_prints_one_record_per_cell_then_a_summary(suite_file, capsys):
    assert main(["eval", str(suite_file), "--json", "--repeats", "2"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    cells, summary = records[:-1], records[-1]
    assert len(cells) == 12 and all(c["type"] == "cell" and c["passed"] for c in cells)
    assert summary["type"] == "summary" and summary["status"] == "finished"
    assert [m["model"] for m in summary["models"]] == ["echo", "echo-outline"]


def test_a_rerun_is_cached_and_no_cache_calls_again(suite_file, capsys):
    main(["eval", str(suite_file), "--json"])
    capsys.readouterr()
    main(["eval", str(suite_file), "--json"])
    assert all(json.loads(line).get("cached", True) for line in capsys.readouterr().out.splitlines())
    main(["eval", str(suite_file), "--json", "--no-cache"])
    cells = [json.loads(line) for line in capsys.readouterr().out.splitlines()][:-1]
    assert not any(c["cached"] for c in cells)


def test_a_budget_stop_exits_1_with_the_spend_and_how_to_resume(suite_file, capsys, priced_server):
    assert main(["eval", str(suite_file), "-m", "loop-priced", "--budget", "0.001", "-o", "x"]) == 2  # -o is not ours
    capsys.readouterr()
    assert main(["eval", str(suite_file), "-m", "loop-priced", "--budget", "0.001"]) == 1
    err = capsys.readouterr().err
    assert "stopped before exceeding the budget of $0.001" in err and "--resume" in err


def test_ctrl_c_stops_the_run_exits_130_and_says_how_to_resume(suite_file, store):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).parents[2]
    suite_file.write_text(suite_file.read_text().replace('["echo", "echo-outline"]', '["echo-slow"]'))
    child = subprocess.Popen(
        [sys.executable, "-m", "llm_core", "eval", str(suite_file), "--concurrency", "1"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (store.directory / "eval_runs.csv").exists():
        time.sleep(0.05)
    time.sleep(0.2)  # the first answer is under way
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    run_id = store.read_evaluation("runs").frame["run_id"].iloc[-1]
    assert f"--resume {run_id}" in err
    from llm_core.evaluate.records import load_run

    assert load_run(store, run_id).status == "stopped"
