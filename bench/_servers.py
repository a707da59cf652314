"""Loopback provider servers as separate processes, so benchmarks measure a real network hop."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@contextmanager
def loopback_server(
    wire: str = "openai",
    *,
    ttft_ms: float = 0,
    tokens_per_s: float | None = None,
    reply: str = "",
    timings: Path | None = None,
):
    """Start `python -m tests.loopback` and yield its base URL; stop it afterwards.

    `timings`: a file the server appends each answer's wall-clock times to (see `last_answer`)."""
    args = [sys.executable, "-m", "tests.loopback", wire, "--ttft-ms", str(ttft_ms)]
    if tokens_per_s:
        args += ["--tokens-per-s", str(tokens_per_s)]
    if reply:
        args += ["--reply", reply]
    if timings:
        args += ["--timings", str(timings)]
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        match = re.search(r"at (\S+)", line)
        if not match:
            raise RuntimeError(f"loopback server did not start: {line!r}")
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(timeout=5)


def last_answer(timings: Path, answers: int, timeout_s: float = 5.0) -> dict:
    """The server's record of its `answers`-th answer (1-based): when the request arrived and when its last token
    left, in wall-clock seconds. Waits for the server to write it."""
    deadline = time.monotonic() + timeout_s
    while True:
        lines = timings.read_text().splitlines() if timings.exists() else []
        if len(lines) >= answers:
            return json.loads(lines[answers - 1])
        if time.monotonic() > deadline:
            raise RuntimeError(f"the loopback server recorded {len(lines)} answers in {timings}, not {answers}")
        time.sleep(0.01)


def median(values: list[float]) -> float:
    """The middle value (mean of the middle two for an even count)."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def machine_speed_s(additions: int = 5_000_000) -> float:
    """Seconds this machine takes for a fixed Python loop right now: printed beside a bench's figures, so runs taken
    minutes apart can be told apart (on these machines it swings by 2x from one minute to the next)."""
    started = time.perf_counter()
    total = 0
    for i in range(additions):
        total += i
    return time.perf_counter() - started
