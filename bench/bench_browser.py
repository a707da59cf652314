"""End to end in a real browser: from Enter to the last pane's final metrics line, over the slowest model's own time.

Each pane's model is a loopback OpenAI-style server streaming a 300-token reply at 500 tokens/s. The time is taken
inside the page (a key listener and a MutationObserver on performance.now()), so no Python round trip is counted;
"done" means every pane shows its whole reply and its final metrics line. Goals: ratio ≤ 1.15 for 2 and 4 panes,
and ≤ 1.10 with 4 panes (the page shows every token and finishes within 10% of the slowest model's own time).

Run: python bench/bench_browser.py   (about a minute: loopback servers, `streamlit run` and Debian's Chromium)
"""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from _servers import loopback_server, median

from tests.browser_support import (
    ARTIFACTS,
    chromium_missing_reason,
    clean_env,
    launch_chromium,
    screenshot_on_failure,
    streamlit_app,
)
from tests.catalogs import write_catalog
from tests.loopback import Behaviour, Pacer

PACING = [(200, 500), (240, 500), (270, 500), (300, 500)]  # (time to first token ms, tokens/s), one per pane
REPLY_TOKENS = 300
REPEATS = 3
GOALS = {2: 1.15, 4: 1.10}  # 4 panes: the rendering goal (within 10%) is the stricter one
TIMEOUT_MS = 30_000

# Installed in the page before Enter: records when Enter goes down, and when every pane first shows its whole
# reply with the final metrics line (the streaming line has no token counts; the final one does).
WATCH_JS = """
(replies) => {
  const state = { enterAt: null, doneAt: null };
  window.__bench = state;
  const squash = (text) => text.replace(/\\s+/g, " ");
  const finalLine = /^TTFT .+ · .+ · [\\d,]+ → [\\d,]+ tok/;
  const paneDone = (reply, i) => {
    const pane = document.querySelector(`.st-key-pane_p${i + 1}`);
    if (!pane || !squash(pane.textContent).includes(reply)) return false;
    const lines = pane.querySelectorAll('[data-testid="stCaptionContainer"]');
    return lines.length > 0 && finalLine.test(lines[lines.length - 1].textContent.trim());
  };
  const observer = new MutationObserver(() => {
    if (state.enterAt !== null && replies.every(paneDone)) {
      state.doneAt = performance.now();
      observer.disconnect();
    }
  });
  document.querySelector(".st-key-prompt textarea").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && state.enterAt === null) state.enterAt = performance.now();
  }, { capture: true });
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });
}
"""


def reply_for(slot: int) -> str:
    """A reply whose every token is unique to its pane, so a missing token cannot hide."""
    return " ".join(f"p{slot}w{i}" for i in range(REPLY_TOKENS))


def server_time_s(slot: int) -> float:
    """When the loopback server sends this pane's last token, after the request arrives (its own schedule)."""
    ttft_ms, rate = PACING[slot]
    behaviour = Behaviour(reply=reply_for(slot), ttft_ms=ttft_ms, tokens_per_s=rate)
    return Pacer(behaviour, start=0.0).due(len(behaviour.tokens()) - 1)


def bench_catalog(urls: list[str]) -> Path:
    """One model per loopback server; priority above every shipped model, so new pages open on them in order."""
    entries = {
        f"bench-{slot}": {
            "label": f"Bench {slot}",
            "provider": "openai",
            "name": f"bench-{slot}",
            "base_url": url,
            "input_price": 1.0,
            "output_price": 2.0,
            "priority": 1000,
        }
        for slot, url in enumerate(urls)
    }
    return write_catalog(Path(tempfile.mkdtemp()) / "models.toml", entries)


def open_page(browser, url: str, panes: int):
    """A fresh session of the Compare page with `panes` panes, added with its own Add pane button."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    page.locator(".st-key-prompt textarea").wait_for(timeout=TIMEOUT_MS)
    for pane in range(3, panes + 1):
        page.locator(".st-key-add_pane button").click()
        page.locator(f".st-key-pane_p{pane}").wait_for(timeout=TIMEOUT_MS)
    for slot in range(panes):
        shown = page.locator(f".st-key-model_p{slot + 1} input").input_value()
        if f"Bench {slot}" not in shown:
            raise RuntimeError(f"pane {slot + 1} should open on Bench {slot}; its picker shows {shown!r}")
    return page


def time_turn(browser, url: str, panes: int) -> float:
    """Seconds from Enter to every pane showing its whole reply and final metrics line, measured in the page."""
    page = open_page(browser, url, panes)
    try:
        with screenshot_on_failure(page, ARTIFACTS / f"bench-browser-{panes}-failure.png"):
            page.evaluate(WATCH_JS, [reply_for(slot) for slot in range(panes)])
            box = page.locator(".st-key-prompt textarea")
            box.fill("Go")
            box.press("Enter")
            page.wait_for_function("window.__bench.doneAt !== null", timeout=TIMEOUT_MS)
            marks = page.evaluate("window.__bench")
        return (marks["doneAt"] - marks["enterAt"]) / 1000
    finally:
        page.close()


def bench_browser(playwright, url: str) -> None:
    """Print the median ratio for 2 and 4 panes, after one warm-up turn."""
    browser = launch_chromium(playwright)
    time_turn(browser, url, max(GOALS))  # warm up: the app's imports, every model's SDK client, the browser cache
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"Enter → last pane done in the browser / slowest model's server time (median of {REPEATS}); "
        f"load average {load} on {os.cpu_count()} CPUs"
    )
    for panes, goal in GOALS.items():
        slowest = max(server_time_s(slot) for slot in range(panes))
        walls = [time_turn(browser, url, panes) for _ in range(REPEATS)]
        wall = median(walls)
        runs = ", ".join(f"{w * 1000:.0f}" for w in walls)
        verdict = "meets" if wall / slowest <= goal else "misses"
        print(
            f"  {panes} panes: {wall * 1000:6.0f} ms (runs {runs}) / slowest model {slowest * 1000:.0f} ms "
            f"= ratio {wall / slowest:.3f}  ({verdict} the goal ≤ {goal:.2f})"
        )
    browser.close()


def main() -> None:
    """Start one loopback server per pane and the app on a catalog of them, then run the benchmark."""
    reason = chromium_missing_reason()
    if reason:
        sys.exit(f"bench_browser cannot run: {reason}")
    from playwright.sync_api import sync_playwright

    with ExitStack() as stack:
        urls = [
            stack.enter_context(loopback_server(ttft_ms=ttft, tokens_per_s=rate, reply=reply_for(slot)))
            for slot, (ttft, rate) in enumerate(PACING)
        ]
        env = clean_env(SWITCHBOARD_MODELS=str(bench_catalog(urls)), SWITCHBOARD_LOG_DIR=tempfile.mkdtemp())
        url = stack.enter_context(streamlit_app(env, log=ARTIFACTS / "bench-browser-streamlit.log"))
        playwright = stack.enter_context(sync_playwright())
        bench_browser(playwright, url)


if __name__ == "__main__":
    main()
