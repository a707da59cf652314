"""The command line under a user's hands: Ctrl-C mid-answer, and input that is not valid UTF-8."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from llm_core.store.csv_store import default_store
from tests.loopback import Behaviour

ROOT = Path(__file__).resolve().parents[2]
SLOW_ECHO = (
    '[models.slow]\nlabel = "Slow (offline demo)"\nprovider = "echo"\nname = "slow"\n'
    "settings = { ttft_ms = 5, tokens_per_s = 4 }\n"
)
LONG_REPLY = " ".join(f"word{n}" for n in range(60))


@pytest.fixture(autouse=True)
def slow_echo(isolated):
    (isolated / "models.toml").write_text(SLOW_ECHO)


def start_cli(*args: str, **env: str) -> subprocess.Popen:
    """`python -m llm_core ...` as its own process, its output piped back."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.Popen(
        [sys.executable, "-m", "llm_core", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment
    )


def run_cli_bytes(*args: str | bytes, stdin: bytes = b"") -> subprocess.CompletedProcess:
    """Run the CLI with raw bytes for arguments and standard input, as a shell would pass them."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "llm_core", *args], input=stdin, capture_output=True, env=environment, timeout=60
    )


def interrupt(process: subprocess.Popen) -> tuple[str, str]:
    """Send Ctrl-C (SIGINT) and collect what the process printed."""
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    return out.decode(), err.decode()


def wait_until_streaming(server, count: int, tokens: int = 3) -> None:
    """Until `count` requests have each been sent `tokens` tokens by the loopback server."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        streams = [r for r in list(server.requests) if r.path.endswith("/chat/completions")]
        if len(streams) >= count and all(r.tokens_sent >= tokens for r in streams):
            return
        time.sleep(0.02)
    raise AssertionError(f"the loopback server never streamed to {count} requests")


def test_ctrl_c_in_ask_logs_the_partial_answer_as_cancelled_and_exits_130():
    process = start_cli("ask", "-m", "slow", "one two three four five six")
    shown = process.stdout.read(20)  # the answer has started arriving

    out, err = interrupt(process)

    assert process.returncode == 130
    assert "Traceback" not in err and "cancelled" in err
    (row,) = default_store().read_requests().frame.to_dict("records")
    assert row["status"] == "cancelled" and row["model"] == "slow"
    assert row["response"].startswith(shown.decode()) and "fingerprint" not in row["response"]


def test_ctrl_c_in_compare_logs_every_turn_in_flight_as_cancelled_with_its_text(monkeypatch, openai_server):
    openai_server.script(Behaviour(reply=LONG_REPLY, tokens_per_s=5))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-interrupt-0000")
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    process = start_cli("compare", "-m", "openai:model-a", "-m", "openai:model-b", "Count for me")
    wait_until_streaming(openai_server, 2)

    out, err = interrupt(process)

    assert process.returncode == 130
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and "cancelled" in err
    rows = default_store().read_requests().frame.to_dict("records")
    assert sorted(r["model"] for r in rows) == ["openai:model-a", "openai:model-b"]
    for row in rows:
        assert row["status"] == "cancelled" and len({r["comparison_id"] for r in rows}) == 1
        assert row["response"].startswith("word0 word1 word2") and "word59" not in row["response"]


def wait_until_reading_stdin(process: subprocess.Popen) -> None:
    """Until the process is blocked reading its standard input (Linux says so in /proc/PID/wchan)."""
    wchan = Path(f"/proc/{process.pid}/wchan")
    if not wchan.exists():
        pytest.skip("needs Linux's /proc/PID/wchan to see the process waiting for input")
    deadline = time.monotonic() + 30
    while "pipe" not in wchan.read_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"the CLI never waited for its standard input: {wchan.read_text()!r}")
        time.sleep(0.02)


def test_ctrl_c_while_the_prompt_is_being_typed_exits_130_with_one_line():
    process = subprocess.Popen(
        [sys.executable, "-m", "llm_core", "ask", "-m", "slow", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    wait_until_reading_stdin(process)

    out, err = interrupt(process)

    assert process.returncode == 130
    assert err.strip() == "cancelled: stopped by Ctrl-C; nothing was asked"
    assert not default_store().requests_path.exists()


def test_a_second_ctrl_c_quits_at_once_and_says_what_was_not_logged(monkeypatch, openai_server):
    openai_server.script(Behaviour(reply=LONG_REPLY, ttft_ms=20_000))  # the first Ctrl-C waits for a first token
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-interrupt-0000")
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    process = start_cli("ask", "-m", "openai:model-a", "Count for me")
    wait_until_streaming(openai_server, 1, tokens=0)
    process.send_signal(signal.SIGINT)
    time.sleep(1)  # not measured: only lets the first Ctrl-C be handled before the second arrives

    out, err = interrupt(process)

    assert process.returncode == 130 and not openai_server.last.tokens_sent
    assert "Traceback" not in err and "not logged" in err and len(err.strip().splitlines()) == 1


def test_an_argument_that_is_not_utf8_is_replaced_announced_and_answered():
    done = run_cli_bytes("ask", "-m", "echo", b"caf\xe9 au lait")

    assert done.returncode == 0, done.stderr.decode()
    assert "You said: caf\ufffd au lait" in done.stdout.decode()
    assert "not valid UTF-8" in done.stderr.decode() and "Traceback" not in done.stderr.decode()
    (row,) = default_store().read_requests().frame.to_dict("records")
    assert row["status"] == "ok" and row["prompt"] == "caf\ufffd au lait"


@pytest.mark.parametrize("stdin_setting", ["", "utf-8:strict"], ids=["python default", "strict decoding"])
def test_standard_input_that_is_not_utf8_is_replaced_announced_and_answered(monkeypatch, stdin_setting):
    if stdin_setting:
        monkeypatch.setenv("PYTHONIOENCODING", stdin_setting)
    done = run_cli_bytes("ask", "-m", "echo", "--json", "-", stdin=b"na\xefve \xff text")

    assert done.returncode == 0, done.stderr.decode()
    assert "not valid UTF-8" in done.stderr.decode() and "Traceback" not in done.stderr.decode()
    (row,) = default_store().read_requests().frame.to_dict("records")
    assert row["status"] == "ok" and row["prompt"] == "na\ufffdve \ufffd text"
