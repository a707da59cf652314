"""The Evaluate page in a real browser (Debian's Chromium via Playwright): run the example suite on the offline
demo models, watch the progress and the grid, open a case and vote."""

from __future__ import annotations

import csv

from tests.browser_support import (
    ARTIFACTS,
    chromium_or_skip,
    clean_env,
    launch_chromium,
    screenshot_on_failure,
    streamlit_app,
)
from tests.catalogs import echo_model, write_catalog

DEMO = {  # the demo pair under its shipped ids, paced so the run takes a few seconds to watch
    "echo": echo_model("Echo · mirror (offline demo)", "echo-mirror", style="mirror", ttft_ms=700),
    "echo-outline": echo_model("Echo · outline (offline demo)", "echo-outline", style="outline", ttft_ms=700),
}


def test_a_suite_runs_the_grid_fills_and_a_case_is_voted_on(tmp_path):
    chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    logs = tmp_path / "logs"
    env = clean_env(SWITCHBOARD_LOG_DIR=str(logs), SWITCHBOARD_MODELS=str(write_catalog(tmp_path / "m.toml", DEMO)))
    with streamlit_app(env, ARTIFACTS / "streamlit-evaluate.log") as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        with screenshot_on_failure(page, ARTIFACTS / "evaluate-failure.png"):
            page.goto(f"{url}/evaluate")
            expect(page.get_by_role("heading", name="Evaluate", exact=True)).to_be_visible(timeout=30_000)
            expect(page.get_by_text("8 answers", exact=False)).to_be_visible()
            page.get_by_role("button", name="Run").click()
            expect(page.get_by_text("of 8 cells", exact=False)).to_be_visible(timeout=15_000)  # the live bar
            expect(page.get_by_test_id("stDataFrame").first).to_be_visible()  # the grid, filling
            expect(page.get_by_text("· finished", exact=False)).to_be_visible(timeout=60_000)
            expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=30_000)  # the rerun is done
            page.get_by_test_id("stDataFrame").first.scroll_into_view_if_needed()
            grid = page.get_by_test_id("stDataFrame").first.bounding_box()
            page.mouse.click(grid["x"] + 14, grid["y"] + 35 * 4 + 17)  # the row marker of the 4th case, canada
            expect(page.get_by_text("Expected: Ottawa")).to_be_visible(timeout=15_000)  # a click opened it
            expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=30_000)
            picker = page.get_by_test_id("stSelectbox").filter(has_text="Open a case").locator("input")
            picker.click()
            picker.press_sequentially("japan")
            picker.press("Enter")
            expect(page.get_by_text("Expected: Tokyo")).to_be_visible(timeout=15_000)
            expect(page.locator(".st-key-eval_answer_echo").get_by_text("icontains Tokyo")).to_be_visible()
            cells = page.locator("td[role=gridcell]").filter(has_text="icontains Tokyo")  # the grid's own cells
            assert cells.count() == 2 and "✗ fail 0/1" in cells.first.text_content()
            page.get_by_text("Tie", exact=True).click()
            page.get_by_role("button", name="Vote").click()
            expect(page.get_by_text("Your vote: Tie")).to_be_visible(timeout=15_000)
            page.screenshot(path=str(ARTIFACTS / "evaluate.png"), full_page=True)
        browser.close()
    with (logs / "votes.csv").open(newline="", encoding="utf-8") as handle:
        (vote,) = list(csv.DictReader(handle))
    assert vote["rater"] == "human" and vote["winner"] == "tie" and vote["comparison_id"].endswith(":japan:1")


SLOW = {  # slow enough to stop mid-run
    "echo": echo_model("Echo · mirror (offline demo)", "echo-mirror", style="mirror", ttft_ms=1500),
    "echo-outline": echo_model("Echo · outline (offline demo)", "echo-outline", style="outline", ttft_ms=1500),
}


def test_a_run_stopped_on_the_page_resumes_where_it_stopped(tmp_path):
    chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    logs = tmp_path / "logs"
    env = clean_env(SWITCHBOARD_LOG_DIR=str(logs), SWITCHBOARD_MODELS=str(write_catalog(tmp_path / "m.toml", SLOW)))
    with streamlit_app(env, ARTIFACTS / "streamlit-evaluate-stop.log") as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        with screenshot_on_failure(page, ARTIFACTS / "evaluate-stop-failure.png"):
            page.goto(f"{url}/evaluate")
            expect(page.get_by_role("heading", name="Evaluate", exact=True)).to_be_visible(timeout=30_000)
            page.get_by_text("Calls at once", exact=True).click()  # the expander of per-provider limits
            page.get_by_test_id("stNumberInput").filter(has_text="Echo (offline demo)").locator("input").fill("1")
            page.keyboard.press("Enter")
            expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=30_000)
            page.get_by_role("button", name="Run").click()
            expect(page.get_by_text("1 of 8 cells", exact=False)).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Stop").click()
            expect(page.get_by_text("· stopped", exact=False)).to_be_visible(timeout=30_000)
            cells_before = _rows(logs / "eval_cells.csv")
            assert 1 <= cells_before < 8
            page.get_by_role("button", name="Resume").click()
            expect(page.get_by_text("· finished", exact=False)).to_be_visible(timeout=90_000)
        browser.close()
    assert _rows(logs / "eval_cells.csv") == 8


def _rows(path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return len(list(csv.DictReader(handle)))
