"""Writing the log: every response lands as one whole row, whoever writes, and a failing disk never costs an answer."""

from __future__ import annotations

import csv
import errno
import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from llm_core.record import Result
from llm_core.store.csv_store import (
    RATING_COLUMNS,
    REQUEST_COLUMNS,
    VOTE_COLUMNS,
    LogEntryError,
    LogReadError,
    LogStore,
    LogWriteError,
    default_store,
)

REPO = Path(__file__).resolve().parents[2]
ISSUE_COLUMNS = [
    "timestamp", "request_id", "comparison_id", "session_id", "provider", "model", "requested_model", "template",
    "system", "prompt", "response", "status", "error", "latency_ms", "ttft_ms", "prompt_tokens", "completion_tokens",
    "token_source", "tokens_per_s", "cost_usd", "temperature", "max_tokens",
]  # fmt: skip


def answer(**fields) -> Result:
    """A finished response, as the engine hands it to the log."""
    values = dict(model="echo", requested_model="echo", provider="echo", prompt="hi", text="hello", status="ok")
    values.update(latency_ms=120.5, ttft_ms=40.0, prompt_tokens=3, completion_tokens=5, token_source="provider")
    values.update(fields)
    return Result(**values)


def raw_rows(path: Path) -> list[list[str]]:
    """The log file as a spreadsheet or Python's csv module sees it."""
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_a_response_becomes_one_row_with_the_issue_columns_first_in_order(isolated):
    store = default_store()
    r = answer(session_id="s1", comparison_id="c1", template="summarise", cost_usd=0.0012, temperature=0.3)
    assert store.append_response(r) == ""
    header, row = raw_rows(isolated / "logs" / "requests.csv")
    assert header[: len(ISSUE_COLUMNS)] == ISSUE_COLUMNS and header == REQUEST_COLUMNS
    logged = dict(zip(header, row, strict=True))
    assert (logged["request_id"], logged["response"], logged["session_id"], logged["template"]) == (
        r.request_id, "hello", "s1", "summarise"
    )  # fmt: skip
    assert logged["timestamp"] == r.timestamp.isoformat(timespec="microseconds")
    assert logged["timestamp"].endswith("+00:00") and float(logged["cost_usd"]) == 0.0012


def test_logs_go_to_the_folder_named_by_the_environment_else_to_logs_here(isolated, monkeypatch):
    assert default_store().directory == isolated / "logs"
    monkeypatch.delenv("SWITCHBOARD_LOG_DIR")
    (isolated / "elsewhere").mkdir()
    monkeypatch.chdir(isolated / "elsewhere")
    store = LogStore()
    assert store.directory == isolated / "elsewhere" / "logs" and not store.directory.exists()
    store.append_response(answer())
    assert (isolated / "elsewhere" / "logs" / "requests.csv").exists()


def test_ratings_and_votes_have_their_own_files_and_columns(isolated):
    store = LogStore()
    a, b = answer(comparison_id="c1"), answer(comparison_id="c1", model="echo-outline")
    store.append_response(a)
    store.append_response(b)
    store.append_rating(a.request_id, 4, "clear")
    store.append_vote("c1", b.request_id, ["echo", "echo-outline"], [a.request_id, b.request_id])
    ratings, votes = raw_rows(store.ratings_path), raw_rows(store.votes_path)
    assert ratings[0] == RATING_COLUMNS and ratings[1][1:] == [a.request_id, "4", "clear"]
    assert votes[0] == VOTE_COLUMNS and votes[1][1:3] == ["c1", b.request_id]
    assert store.read_votes().frame.loc[0, "models"] == ["echo", "echo-outline"]


def test_api_keys_in_an_error_never_reach_the_log(isolated):
    store = LogStore()
    key = "sk-proj-" + "A1b2C3d4" * 4
    store.append_response(answer(status="error", error=f"401 from https://api.example/v1?key={key} ({key})"))
    assert key not in store.requests_path.read_text(encoding="utf-8")
    assert "[REDACTED]" in store.read_requests().frame.loc[0, "error"]


@pytest.mark.parametrize("stars", [0, 6, 3.5, True, "4"])
def test_a_rating_outside_one_to_five_stars_is_refused_with_a_clear_message(stars):
    with pytest.raises(LogEntryError, match="1 to 5 stars"):
        LogStore().append_rating("abc", stars)
    assert not LogStore().ratings_path.exists()


def test_a_vote_must_name_a_compared_response_or_tie_or_both_bad():
    store = LogStore()
    with pytest.raises(LogEntryError, match="'tie' or 'both_bad'"):
        store.append_vote("c1", "someone-else", ["m1", "m2"], ["r1", "r2"])
    with pytest.raises(LogEntryError, match="two or more panes"):
        store.append_vote("c1", "tie", ["m1"], ["r1", "r2"])
    store.append_vote("c1", "both_bad", ["m1", "m2"], ["r1", "r2"])
    assert store.read_votes().frame["winner"].tolist() == ["both_bad"]


# Writers race on purpose: big, hostile rows so that any interleaving would corrupt a row visibly.
BIG_TEXT = 'line one, "quoted"\nline two\r\n=cmd\t' + "x" * 20_000
WORKER = """
import sys, time
from pathlib import Path
from llm_core.store.csv_store import LogStore
from llm_core.record import Result
worker, folder, count, go, big = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]), sys.argv[5]
store = LogStore(folder)
while not go.exists():
    time.sleep(0.001)
for i in range(count):
    r = Result(model="echo", requested_model="echo", request_id=f"{worker}-{i}", prompt=f"{worker}-{i} {big}")
    assert store.append_response(r) == ""
"""


def test_eight_threads_and_four_processes_appending_at_once_lose_nothing(isolated):
    store, per_writer, go = LogStore(), 40, isolated / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    arguments = [str(store.directory), str(per_writer), str(go), BIG_TEXT]
    processes = [subprocess.Popen([sys.executable, "-c", WORKER, f"p{n}", *arguments], env=env) for n in range(4)]
    time.sleep(1.0)  # let the processes import and start polling for the go signal

    def thread_writer(name: str) -> None:
        ready.wait()
        for i in range(per_writer):
            r = answer(request_id=f"{name}-{i}", prompt=f"{name}-{i} {BIG_TEXT}")
            assert store.append_response(r) == ""

    ready = threading.Barrier(9)
    threads = [threading.Thread(target=thread_writer, args=(f"t{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    go.touch()
    ready.wait()
    for thread in threads:
        thread.join()
    assert [p.wait(timeout=120) for p in processes] == [0] * 4

    table = LogStore().read_requests()
    frame = table.frame
    expected = {
        f"{w}-{i}" for w in [f"t{n}" for n in range(8)] + [f"p{n}" for n in range(4)] for i in range(per_writer)
    }
    assert table.skipped == 0 and len(frame) == len(expected) and set(frame["request_id"]) == expected
    assert (frame["prompt"] == frame["request_id"] + " " + BIG_TEXT).all()


def test_a_full_disk_still_answers_and_warns_clearly(monkeypatch):
    store = LogStore()
    store.append_response(answer(prompt="before"))

    def disk_full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(os, "write", disk_full)
        warning = store.append_response(answer(prompt="while full"))
        with pytest.raises(LogWriteError, match="No space left"):
            store.append_rating("anything", 3)
    assert "not saved" in warning and "No space left on device" in warning and "SWITCHBOARD_LOG_DIR" in warning
    assert store.append_response(answer(prompt="after")) == ""
    table = LogStore().read_requests()
    assert table.frame["prompt"].tolist() == ["before", "after"] and table.skipped == 0


def test_a_disk_that_fills_up_mid_row_leaves_one_torn_row_that_the_next_write_closes(monkeypatch):
    store = LogStore()
    store.append_response(answer(prompt="before"))
    real_write = os.write

    def half_then_full(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(os, "write", half_then_full)
        warning = store.append_response(answer(prompt="cut in half " * 50))
    assert "No space left on device" in warning
    assert store.append_response(answer(prompt="after")) == ""
    table = LogStore().read_requests()
    assert table.frame["prompt"].tolist() == ["before", "after"]
    assert table.skipped == 1 and "torn" in table.skip_reasons[0]


def test_a_log_folder_that_cannot_be_created_still_answers_and_warns(isolated):
    blocked = isolated / "not-a-folder"
    blocked.write_text("a regular file where the log folder should be")
    store = LogStore(blocked)
    warning = store.append_response(answer())
    assert "not saved" in warning and str(blocked) in warning
    with pytest.raises(LogWriteError, match="could not create the log folder"):
        store.append_vote("c1", "tie", ["a", "b"], ["r1", "r2"])
    with pytest.raises(LogReadError, match="Not a directory"):
        store.read_requests()


FAST_ECHO = """
[models.quick]
label = "Quick echo"
provider = "echo"
name = "quick"
input_price = 0.0
output_price = 0.0
settings = { ttft_ms = 5, tokens_per_s = 2000 }
"""


def test_a_user_still_gets_the_answer_when_the_log_cannot_be_written(isolated, monkeypatch):
    from llm_core import ask

    (isolated / "models.toml").write_text(FAST_ECHO)
    (isolated / "blocked").write_text("not a folder")
    monkeypatch.setenv("SWITCHBOARD_LOG_DIR", str(isolated / "blocked"))
    r = ask("quick", "Are you there?")
    assert r.ok and "Are you there?" in r.text
    assert "not saved to the log" in r.log_warning


def test_several_responses_go_in_one_write_and_a_row_that_cannot_be_built_is_reported_alone(tmp_path, monkeypatch):
    from llm_core.record import Result
    from llm_core.store import csv_store

    store = csv_store.LogStore(tmp_path)
    answers = [Result(model="m", requested_model="m", provider="p", text=str(n)) for n in range(3)]
    real_row = csv_store.response_row
    monkeypatch.setattr(csv_store, "response_row", lambda r: real_row(r) if r.text != "1" else 1 / 0)

    warnings = store.append_responses(answers)

    assert warnings[0] == warnings[2] == "" and "unexpected error" in warnings[1]
    assert list(store.read_requests().frame["response"]) == ["0", "2"]
