"""Run the real app for a real browser: `streamlit run` on loopback, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "streamlit_app.py"
ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots and server logs; git-ignored
CHROMIUM = Path("/usr/bin/chromium")  # Playwright's own browser download cannot work here; Debian's can
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Names that could hand the app a real key, endpoint or catalog from the developer's shell.
_LEAKY_SUFFIXES = ("_API_KEY", "_BASE_URL")
_LEAKY_PREFIXES = ("SWITCHBOARD_",)


def chromium_missing_reason() -> str | None:
    """Why the browser cannot run here, or None when Playwright and Chromium are both installed."""
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed: pip install -r requirements-dev.txt"
    if not CHROMIUM.is_file():
        return f"Debian's Chromium is not at {CHROMIUM}: apt-get install chromium"
    return None


def chromium_or_skip() -> Path:
    """Chromium's path; otherwise skip the test saying why, or fail it when $CI is set (CI must never skip)."""
    import pytest

    reason = chromium_missing_reason()
    if reason and os.environ.get("CI"):
        pytest.fail(f"CI must run the browser test, but {reason}")
    if reason:
        pytest.skip(f"browser test cannot run: {reason}")
    return CHROMIUM


def launch_chromium(playwright):
    """Debian's Chromium, headless, with nothing that phones home."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**variables: str) -> dict[str, str]:
    """This process's environment without provider keys, endpoints or Switchboard settings, plus `variables`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.endswith(_LEAKY_SUFFIXES) and not name.startswith(_LEAKY_PREFIXES)
    }
    env["OLLAMA_BASE_URL"] = "http://127.0.0.1:9"  # the discard port: no local Ollama models to discover
    env.update(variables)
    return env


def wait_until_healthy(url: str, process: subprocess.Popen, log: Path, timeout_s: float = 60) -> None:
    """Poll /_stcore/health until the server answers ok; fail with its log if it dies or never answers."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"streamlit did not answer {url}/_stcore/health within {timeout_s:.0f} s:\n{log.read_text()[-3000:]}"
    )


def stop(process: subprocess.Popen) -> None:
    """Ask the process to stop, and kill it if it does not within a few seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextmanager
def streamlit_app(env: dict[str, str], log: Path | None = None, app: Path = APP) -> Iterator[str]:
    """`streamlit run streamlit_app.py` headless on 127.0.0.1 with `env`; yields its URL once it is healthy.
    `app` may be another checkout's entry script (the A/B bench runs an older revision beside this one).

    It runs from a folder holding only the app's shipped .streamlit/config.toml (theme and server settings, as from
    the repository's root), so no ./models.toml or .streamlit/secrets.toml of the developer's leaks in.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = log or ARTIFACTS / "streamlit.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="switchboard-app-") as cwd, log.open("w") as output:
        (Path(cwd) / ".streamlit").mkdir()
        shutil.copy(app.parent / ".streamlit" / "config.toml", Path(cwd) / ".streamlit" / "config.toml")
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_until_healthy(url, process, log)
            yield url
        finally:
            stop(process)


@contextmanager
def screenshot_on_failure(page, path: Path) -> Iterator[None]:
    """Save what the browser showed when a step failed, then let the failure through."""
    try:
        yield
    except BaseException:
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=path, full_page=True)
        raise
