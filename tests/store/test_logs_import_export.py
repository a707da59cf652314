"""`logs import DIR` and `logs export DIR` through the real command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from llm_core.record import Result
from llm_core.store.cells import format_header, format_row
from llm_core.store.csv_store import FIRST_REQUEST_COLUMNS, LogStore, default_store

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str, env_url: str | None) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("SWITCHBOARD_DATABASE_URL", None)
    if env_url:
        env["SWITCHBOARD_DATABASE_URL"] = env_url
    return subprocess.run([sys.executable, "-m", "llm_core", *args], capture_output=True, text=True, env=env)


def csv_folder(folder: Path) -> list[Result]:
    """A CSV log folder as an older version left it: a first-version row, then current rows, a rating, a vote."""
    folder.mkdir(parents=True)
    old = ["2025-05-01T10:00:00.000000+00:00", "old-1", "", "", "echo", "echo", "echo", "", "", "=old prompt"]
    old += ["old answer", "ok", "", 100.0, None, None, None, "", None, None, None, None]
    (folder / "requests.csv").write_text(format_header(FIRST_REQUEST_COLUMNS) + format_row(old), newline="")
    store = LogStore(folder, fsync=False)
    results = [
        Result(model="echo", requested_model="echo", provider="echo", prompt=p, text="ok", status="ok")
        for p in ("a", "b")
    ]
    for r in results:
        store.append_response(r)
    store.append_rating(results[0].request_id, 4, "good")
    store.append_vote("c1", results[1].request_id, ["echo", "echo"], [r.request_id for r in results])
    return results


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_import_twice_copies_every_row_once_and_export_writes_them_back_formula_safe(backend, isolated):
    import os

    url = os.environ["SWITCHBOARD_DATABASE_URL"]
    results = csv_folder(isolated / "old-logs")
    first = cli("logs", "import", str(isolated / "old-logs"), env_url=url)
    assert first.returncode == 0, first.stderr
    assert "3 requests (0 already there), 1 ratings (0 already there), 1 votes" in first.stdout
    again = cli("logs", "import", str(isolated / "old-logs"), env_url=url)
    assert "0 requests (3 already there), 0 ratings (1 already there), 0 votes (1 already there)" in again.stdout
    store = default_store()
    frame = store.read_requests().frame
    assert list(frame["request_id"]) == ["old-1", *(r.request_id for r in results)]
    assert frame["prompt"][0] == "=old prompt" and store.find_request(results[0].request_id)["stars"] == 4
    assert store.read_votes().frame["winner"].tolist() == [results[1].request_id]
    shown = cli("logs", env_url=url)
    assert shown.returncode == 0 and "old-1" in shown.stdout

    out = cli("logs", "export", str(isolated / "exported"), env_url=url)
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO((isolated / "exported" / "requests.csv").read_text(), newline="")))
    assert rows[1][rows[0].index("prompt")] == "'=old prompt"  # a spreadsheet shows it, never runs it
    exported = LogStore(isolated / "exported").read_requests().frame
    assert list(exported["request_id"]) == list(frame["request_id"])
    assert list(exported["prompt"]) == list(frame["prompt"])
    refused = cli("logs", "export", str(isolated / "exported"), env_url=url)
    assert refused.returncode == 1 and "empty folder" in refused.stderr and "Traceback" not in refused.stderr


def test_import_without_a_database_says_what_to_set(isolated):
    csv_folder(isolated / "old-logs")
    reply = cli("logs", "import", str(isolated / "old-logs"), env_url=None)
    assert reply.returncode == 1 and "set SWITCHBOARD_DATABASE_URL" in reply.stderr


def test_import_of_a_folder_without_logs_says_so(isolated):
    (isolated / "empty").mkdir()
    reply = cli("logs", "import", str(isolated / "empty"), env_url=f"sqlite:///{isolated / 'db.sqlite'}")
    assert reply.returncode == 1 and "holds no Switchboard logs" in reply.stderr


def test_an_unreachable_database_is_one_clear_line_without_the_password(isolated):
    reply = cli("logs", env_url="postgresql://alice:Sup3rSecretPw@127.0.0.1:9/logs")
    assert reply.returncode == 1 and reply.stderr.startswith("error: Could not open the database")
    assert "Sup3rSecretPw" not in reply.stderr + reply.stdout and "Traceback" not in reply.stderr
