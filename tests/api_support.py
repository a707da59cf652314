"""The HTTP API as deployed, for tests and benchmarks: `python -m uvicorn llm_core.api:app` in its own process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def api_server(workdir: Path, env: dict[str, str] | None = None, timeout_s: float = 30) -> Iterator[str]:
    """Run `uvicorn llm_core.api:app` on a free loopback port (in workdir, with env added); yield its URL."""
    log_path = workdir / "uvicorn.log"
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    command = [sys.executable, "-m", "uvicorn", "llm_core.api:app", "--host", "127.0.0.1", "--port", "0"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*command, "--no-access-log"], cwd=workdir, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield _wait_until_serving(process, log_path, timeout_s)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_serving(process: subprocess.Popen, log_path: Path, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if match := re.search(r"Uvicorn running on (http://\S+)", log_path.read_text(errors="replace")):
            return match.group(1)
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.05)
    raise RuntimeError(f"uvicorn did not start within {timeout_s:.0f} s:\n{log_path.read_text(errors='replace')}")
