"""The Compare page in a real browser: Debian's Chromium, driven by Playwright, against `streamlit run` on loopback.

It runs the offline echo pair a new user without keys sees (paced fast). Screenshots go to tests/artifacts/;
the rated page becomes the README's docs/compare.png when that is missing or UPDATE_SCREENSHOTS=1 is set
(so a test run does not leave the tracked picture modified every time).
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from llm_core.catalog import SHIPPED_CATALOG, parse_catalog_file
from llm_core.providers.echo import demo_reply
from tests import browser_support
from tests.browser_support import (
    ARTIFACTS,
    ROOT,
    chromium_or_skip,
    clean_env,
    launch_chromium,
    screenshot_on_failure,
    streamlit_app,
)
from tests.catalogs import write_catalog

PROMPT = "Name three rivers that flow through Europe"
DEMO_PAIR = {"p1": "echo", "p2": "echo-outline"}  # what a new user without keys sees, pane by pane
FAST = {"ttft_ms": 150, "tokens_per_s": 200}  # so the test is quick
FINAL_METRICS = re.compile(r"^TTFT \S+ m?s · \S+ m?s · [\d,]+ → [\d,]+ tok")  # the streaming line has no tokens
README_SHOT = ROOT / "docs" / "compare.png"
SHIPPED = parse_catalog_file(SHIPPED_CATALOG)


def fast_demo_catalog(path: Path) -> Path:
    """A user catalog with the shipped demo pair as they are, only paced fast."""
    entries = {
        model_id: {
            **SHIPPED[model_id].model_dump(exclude={"id"}, exclude_defaults=True),
            "settings": {**SHIPPED[model_id].settings, **FAST},
        }
        for model_id in DEMO_PAIR.values()
    }
    return write_catalog(path, entries)


def expected_answer(model_id: str) -> str:
    """What this demo model answers to PROMPT (its replies are deterministic)."""
    return demo_reply([{"role": "user", "content": PROMPT}], SHIPPED[model_id].settings["style"])


def visible_lines(markdown: str) -> list[str]:
    """The lines of a Markdown answer as a reader sees them (list numbers are drawn, not text)."""
    return [re.sub(r"^\d+\. ", "", line.strip()) for line in markdown.splitlines() if line.strip()]


def ask(page, prompt: str) -> None:
    """Type the prompt into the chat box and press Enter."""
    box = page.locator(".st-key-prompt textarea")
    box.fill(prompt)
    box.press("Enter")


def pane(page, pane_id: str):
    """One model's pane, by its stable key."""
    return page.locator(f".st-key-pane_{pane_id}")


def wait_for_answer(page, pane_id: str) -> None:
    """Wait until the pane shows its model's whole answer and, under it, the final metrics line."""
    from playwright.sync_api import expect

    answer = pane(page, pane_id)
    for line in visible_lines(expected_answer(DEMO_PAIR[pane_id])):
        expect(answer).to_contain_text(line, timeout=20_000)
    expect(answer.get_by_test_id("stCaptionContainer").filter(has_text=FINAL_METRICS)).to_be_visible()


def show_top_of_page(page) -> None:
    """Scroll the page back to its title, with the mouse over empty margin."""
    page.get_by_test_id("stMain").evaluate("main => main.scrollTo(0, 0)")
    page.mouse.move(1395, 450)  # no hover highlight in the README's picture


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a log file, as a spreadsheet would show them."""
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def wait_for_rating(log_dir: Path, stars: str, timeout_s: float = 10) -> dict[str, str]:
    """The first row of ratings.csv with this many stars, once the app has written it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (log_dir / "ratings.csv").is_file():
            rows = [r for r in read_csv(log_dir / "ratings.csv") if r["stars"] == stars]
            if rows:
                return rows[0]
        time.sleep(0.1)
    raise AssertionError(f"no {stars}-star row in {log_dir / 'ratings.csv'} after {timeout_s:.0f} s")


@contextmanager
def demo_pair_answered(tmp_path: Path, name: str, height: int):
    """The app on the fast demo pair and a Chromium page on it that has asked PROMPT and shows both answers.

    `name` names its server log and the screenshot taken if the test fails, in tests/artifacts/."""
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    catalog = fast_demo_catalog(tmp_path / "models.toml")
    env = clean_env(SWITCHBOARD_LOG_DIR=str(tmp_path / "logs"), SWITCHBOARD_MODELS=str(catalog))
    with streamlit_app(env, log=ARTIFACTS / f"{name}-streamlit.log") as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1440, "height": height})
        with screenshot_on_failure(page, ARTIFACTS / f"{name}-failure.png"):
            page.goto(url)
            ask(page, PROMPT)
            for pane_id in DEMO_PAIR:
                wait_for_answer(page, pane_id)
            yield page
        browser.close()


def test_a_new_user_compares_the_demo_pair_and_rates_an_answer_four_stars(tmp_path):
    from playwright.sync_api import expect

    with demo_pair_answered(tmp_path, "compare", height=1000) as page:
        page.screenshot(path=ARTIFACTS / "compare-answered.png")

        first = pane(page, "p1")
        first.get_by_role("radio", name="4 out of 5 stars").click()
        expect(first.get_by_role("radio", name="4 out of 5 stars")).to_be_checked()
        expect(first.get_by_placeholder("Add a short comment (optional)")).to_be_visible()
        rating = wait_for_rating(tmp_path / "logs", "4")

        show_top_of_page(page)
        page.screenshot(path=ARTIFACTS / "compare-rated.png")

    answered = {row["request_id"]: row for row in read_csv(tmp_path / "logs" / "requests.csv")}
    assert rating["request_id"] in answered
    assert answered[rating["request_id"]]["model"] == DEMO_PAIR["p1"]  # the answer that was clicked got the stars
    refresh_readme_screenshot(ARTIFACTS / "compare-rated.png")


def test_a_follow_up_question_is_brought_up_under_the_toolbar_and_its_answers_are_read_from_the_start(tmp_path):
    from playwright.sync_api import expect

    follow_up = "And which of them is longest? " + " ".join(f"tributary{i}" for i in range(120))
    with demo_pair_answered(tmp_path, "compare-follow-up", height=800) as page:
        ask(page, follow_up)
        for pane_id in DEMO_PAIR:  # the second answer in each pane, whole, with its final metrics line
            finished = pane(page, pane_id).get_by_test_id("stCaptionContainer").filter(has_text=FINAL_METRICS)
            expect(finished).to_have_count(2, timeout=20_000)
        page.screenshot(path=ARTIFACTS / "compare-follow-up.png")

        toolbar = page.locator(".st-key-toolbar").bounding_box()
        asked = pane(page, "p1").get_by_test_id("stChatMessage").filter(has_text="And which of them").first
        question = asked.bounding_box()
        assert toolbar["y"] + toolbar["height"] <= question["y"] <= toolbar["y"] + toolbar["height"] + 40
        main = page.get_by_test_id("stMain")
        unseen = main.evaluate("main => main.scrollHeight - main.scrollTop - main.clientHeight")
        assert unseen > 300  # the page did not follow the answers down to their ends


def refresh_readme_screenshot(shot: Path) -> None:
    """Copy the shot to docs/compare.png when the README has none yet, or when UPDATE_SCREENSHOTS=1 asks."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1" or not README_SHOT.is_file():
        README_SHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, README_SHOT)


def test_without_chromium_the_browser_test_is_skipped_and_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(browser_support, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        chromium_or_skip()


def test_on_ci_a_missing_chromium_fails_the_run_instead_of_skipping(monkeypatch, tmp_path):
    monkeypatch.setattr(browser_support, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser test"):
        chromium_or_skip()
