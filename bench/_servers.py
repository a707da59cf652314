"""Loopback provider servers as separate processes, so benchmarks measure a real network hop."""

from __future__ import annotations

import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@contextmanager
def loopback_server(wire: str = "openai", *, ttft_ms: float = 0, tokens_per_s: float | None = None, reply: str = ""):
    """Start `python -m tests.loopback` and yield its base URL; stop it afterwards."""
    args = [sys.executable, "-m", "tests.loopback", wire, "--ttft-ms", str(ttft_ms)]
    if tokens_per_s:
        args += ["--tokens-per-s", str(tokens_per_s)]
    if reply:
        args += ["--reply", reply]
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


def median(values: list[float]) -> float:
    """The middle value (mean of the middle two for an even count)."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
