"""The log from the command line: `logs` shows recent requests, `rate` records a rating."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from llm_core.cli.logs import main
from llm_core.record import Result
from llm_core.store.csv_store import LogStore

REPO = Path(__file__).resolve().parents[2]


def logged(*prompts: str) -> list[Result]:
    results = [
        Result(model="echo", requested_model="echo", provider="echo", prompt=p, text=f"re: {p}", status="ok",
               latency_ms=812.0, completion_tokens=7, cost_usd=0.0021)
        for p in prompts
    ]  # fmt: skip
    for r in results:
        assert LogStore().append_response(r) == ""
    return results


def test_logs_on_an_empty_log_says_so(capsys):
    assert main(["logs"]) == 0
    assert "No requests logged yet" in capsys.readouterr().out


def test_logs_prints_the_most_recent_requests_as_a_table(capsys):
    results = logged("first question", "second question\nwith two lines", "third question")
    assert main(["logs", "--tail", "2"]) == 0
    out = capsys.readouterr().out
    assert results[0].request_id not in out
    assert results[1].request_id in out and results[2].request_id in out
    assert "second question with two lines" in out and "812 ms" in out and "$0.0021" in out


def test_logs_json_gives_full_rows_that_a_script_can_use(capsys):
    results = logged("=1+1 is not a formula here", "second")
    assert main(["logs", "--json", "--tail", "5"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["request_id"] for row in rows] == [r.request_id for r in results]
    assert rows[0]["prompt"] == "=1+1 is not a formula here" and rows[0]["response"] == "re: =1+1 is not a formula here"
    assert rows[0]["timestamp"] == results[0].timestamp.isoformat() and rows[0]["stars"] is None


def test_rate_records_a_rating_that_logs_then_shows(capsys):
    (r,) = logged("rate this")
    assert main(["rate", r.request_id, "4", "--comment", "good"]) == 0
    assert "4/5" in capsys.readouterr().out
    assert main(["rate", r.request_id, "2"]) == 0
    assert "2/5" in capsys.readouterr().out
    main(["logs", "--json"])
    row = json.loads(capsys.readouterr().out)[0]
    assert (row["stars"], row["rating_comment"]) == (2, "")


def test_rating_an_unknown_request_fails_clearly(capsys):
    logged("something")
    assert main(["rate", "no-such-id", "5"]) == 1
    assert "no logged request has an id starting 'no-such-id'" in capsys.readouterr().err
    assert not LogStore().ratings_path.exists()


def test_bad_usage_exits_with_two_and_says_why(capsys):
    (r,) = logged("something")
    assert main(["rate", r.request_id, "9"]) == 2
    assert "stars are 1 to 5" in capsys.readouterr().err
    assert main(["logs", "--tail", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err


def test_skipped_rows_are_reported_on_stderr_and_the_rest_still_listed(capsys):
    logged("kept")
    with open(LogStore().requests_path, "ab") as log:
        log.write(b'"2025-01-01T00:00:00+00:00","torn by a cra')
    assert main(["logs"]) == 0
    captured = capsys.readouterr()
    assert "kept" in captured.out and "1 log rows were skipped" in captured.err and "incomplete" in captured.err


def test_python_dash_m_llm_core_runs_logs_and_rate(isolated):
    (r,) = logged("from the shell")
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "llm_core", *args], cwd=isolated, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(REPO), "SWITCHBOARD_LOG_DIR": str(isolated / "logs"), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    rated = run("rate", r.request_id, "5")
    assert rated.returncode == 0, rated.stderr
    shown = run("logs", "--json", "--tail", "1")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)[0]["stars"] == 5
