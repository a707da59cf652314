"""Compare for everyday work in a real browser: a reload (even mid-answer) keeps the conversation, a shared link opens
the setup in a fresh browser, copy buttons are there, and on a phone the panes stack under a one-line toolbar.

Screenshots go to tests/artifacts/; the phone one becomes the README's docs/compare-phone.png when that is missing or
UPDATE_SCREENSHOTS=1 is set.
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

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
from tests.pages.test_browser_compare import DEMO_PAIR, PROMPT, SHIPPED, ask, pane, read_csv, wait_for_answer

PHONE = {"width": 390, "height": 844}
PHONE_SHOT = ROOT / "docs" / "compare-phone.png"
ARRIVED = re.compile(r"You said: \S+")


def demo_catalog(path: Path, **pacing) -> Path:
    """The shipped demo pair, paced as asked."""
    entries = {
        model_id: {
            **SHIPPED[model_id].model_dump(exclude={"id"}, exclude_defaults=True),
            "settings": {**SHIPPED[model_id].settings, **pacing},
        }
        for model_id in DEMO_PAIR.values()
    }
    return write_catalog(path, entries)


@contextmanager
def app_and_browser(tmp_path: Path, name: str, **pacing):
    """The app on the demo pair and a Chromium to open pages in; yields (url, browser)."""
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    catalog = demo_catalog(tmp_path / "models.toml", **(pacing or {"ttft_ms": 150, "tokens_per_s": 200}))
    env = clean_env(SWITCHBOARD_LOG_DIR=str(tmp_path / "logs"), SWITCHBOARD_MODELS=str(catalog))
    with streamlit_app(env, log=ARTIFACTS / f"{name}-streamlit.log") as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield url, browser
        finally:
            browser.close()


def test_a_reload_brings_the_whole_conversation_back(tmp_path):
    from playwright.sync_api import expect

    with app_and_browser(tmp_path, "compare-reload") as (url, browser):
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        with screenshot_on_failure(page, ARTIFACTS / "compare-reload-failure.png"):
            page.goto(url)
            ask(page, PROMPT)
            for pane_id in DEMO_PAIR:
                wait_for_answer(page, pane_id)
            expect(page).to_have_url(re.compile(r"\?c=\w+$"))
            address = page.url
            page.get_by_test_id("stSidebar").get_by_role("button", name="Regenerate").click()
            for pane_id in DEMO_PAIR:
                wait_for_answer(page, pane_id)
            system = page.get_by_test_id("stSidebar").get_by_label("System prompt")
            system.fill("Answer in French")
            system.blur()  # a change not sent yet
            expect(page).to_have_url(re.compile(r"draft=1.*system=Answer"))

            page.reload()

            for pane_id in DEMO_PAIR:
                wait_for_answer(page, pane_id)
                messages = pane(page, pane_id).get_by_test_id("stChatMessage")
                expect(messages.first).to_contain_text(PROMPT)
                expect(messages).to_have_count(2)  # the regenerated turn once, not the replaced one beside it
            expect(page.get_by_test_id("stSidebar").get_by_label("System prompt")).to_have_value("Answer in French")
            expect(page.locator(".st-key-prompt textarea")).to_be_enabled()  # this browser's own: it goes on
            assert page.url.startswith(address)
            page.screenshot(path=ARTIFACTS / "compare-reloaded.png")


def test_a_reload_in_the_middle_of_an_answer_keeps_what_had_arrived(tmp_path):
    from playwright.sync_api import expect

    with app_and_browser(tmp_path, "compare-reload-streaming", ttft_ms=100, tokens_per_s=4) as (url, browser):
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        with screenshot_on_failure(page, ARTIFACTS / "compare-reload-streaming-failure.png"):
            page.goto(url)
            ask(page, PROMPT)
            expect(pane(page, "p1")).to_contain_text(ARRIVED, timeout=20_000)  # the first words are on screen
            expect(page.get_by_role("button", name="Stop")).to_be_visible()

            page.reload()

            answer = pane(page, "p1").get_by_test_id("stChatMessage").nth(1)
            expect(answer).to_contain_text(ARRIVED, timeout=20_000)
            expect(pane(page, "p1")).to_contain_text("Stopped")
    rows = {row["model"]: row for row in read_csv(tmp_path / "logs" / "requests.csv")}
    assert rows[DEMO_PAIR["p1"]]["status"] == "cancelled" and "You said:" in rows[DEMO_PAIR["p1"]]["response"]


def test_a_shared_link_opens_the_setup_in_a_fresh_browser_and_sends_nothing(tmp_path):
    from playwright.sync_api import expect

    with app_and_browser(tmp_path, "compare-share") as (url, browser):
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        with screenshot_on_failure(page, ARTIFACTS / "compare-share-failure.png"):
            page.goto(url)
            ask(page, PROMPT)
            for pane_id in DEMO_PAIR:
                wait_for_answer(page, pane_id)
            page.get_by_test_id("stSidebar").get_by_role("button", name="Share").click()
            page.get_by_text("Include the last prompt").click()
            link_box = page.get_by_test_id("stCode").filter(has_text="prompt=")
            expect(link_box).to_be_visible()
            link = link_box.inner_text().strip()
        assert parse_qs(urlsplit(link).query)["models"] == [",".join(DEMO_PAIR.values())]
        assert "key" not in link.lower()

        fresh = browser.new_context(viewport={"width": 1440, "height": 1000})  # no cookies, no session of the sender
        friend = fresh.new_page()
        with screenshot_on_failure(friend, ARTIFACTS / "compare-share-opened-failure.png"):
            friend.goto(link)
            shared = friend.locator(".st-key-shared textarea")
            expect(shared).to_have_value(PROMPT)
            expect(friend).to_have_url(re.compile(r"\?c=\w+&draft=1"))  # until sent, a reload keeps the setup
            assert len(read_csv(tmp_path / "logs" / "requests.csv")) == 2  # opening the link sent nothing
            friend.screenshot(path=ARTIFACTS / "compare-share-opened.png")
            friend.locator(".st-key-send_shared button").click()
            for pane_id in DEMO_PAIR:
                wait_for_answer(friend, pane_id)
            expect(friend).to_have_url(re.compile(r"\?c=\w+$"))
        assert len(read_csv(tmp_path / "logs" / "requests.csv")) == 4

        with screenshot_on_failure(friend, ARTIFACTS / "compare-share-conversation-failure.png"):
            friend.goto(page.url)  # the sender's own conversation, opened in the friend's browser
            expect(friend.locator(".st-key-read_only")).to_be_visible()
            expect(friend.locator(".st-key-prompt textarea")).to_be_disabled()
            friend.screenshot(path=ARTIFACTS / "compare-share-conversation.png")


def test_answers_and_their_code_blocks_have_copy_buttons(tmp_path):
    from playwright.sync_api import expect

    with app_and_browser(tmp_path, "compare-copy") as (url, browser):
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        page = context.new_page()
        with screenshot_on_failure(page, ARTIFACTS / "compare-copy-failure.png"):
            page.goto(url)
            ask(page, "Run this:\n```python\nprint('rivers')\n```")
            answer = pane(page, "p1").get_by_test_id("stChatMessage").nth(1)
            code = answer.get_by_test_id("stCode").first
            expect(code).to_contain_text("print('rivers')", timeout=20_000)
            code.hover()
            expect(code.get_by_role("button", name=re.compile("copy", re.I))).to_be_visible()

            copy = pane(page, "p1").locator(".sb-copy").first
            expect(copy).to_have_text("Copy")
            icon = copy.evaluate("b => getComputedStyle(b, '::before').webkitMaskImage")
            assert "svg" in icon  # an icon drawn, not a symbol a font may lack (it showed as a box)
            page.wait_for_function("() => Object.keys(window.sbAnswers || {}).length == 2")  # the page's copy script
            copy.click()  # one click copies the whole answer as the model wrote it
            expect(copy).to_have_text("Copied")
            copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("[offline demo") and "```python\nprint('rivers')\n```" in copied


def test_on_a_phone_the_panes_stack_under_a_toolbar_of_a_tenth_of_the_screen(tmp_path):
    from playwright.sync_api import expect

    with app_and_browser(tmp_path, "compare-phone") as (url, browser):
        page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
        with screenshot_on_failure(page, ARTIFACTS / "compare-phone-failure.png"):
            page.goto(url)
            ask(page, PROMPT)
            for pane_id in DEMO_PAIR:
                wait_for_answer(page, pane_id)
            page.get_by_test_id("stMain").evaluate("main => main.scrollTo(0, 0)")
            page.screenshot(path=ARTIFACTS / "compare-phone.png")

            toolbar = page.locator(".st-key-toolbar").bounding_box()
            first, second = (pane(page, p).bounding_box() for p in DEMO_PAIR)
            assert toolbar["height"] <= PHONE["height"] / 10
            assert second["y"] >= first["y"] + first["height"]  # stacked, not side by side
            assert first["width"] >= PHONE["width"] * 0.85
            for control in ("diff", "blind", "add_pane", "prompt"):  # every control is on screen, not cut off
                box = page.locator(f".st-key-{control}").bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], control
                expect(page.locator(f".st-key-{control}")).to_be_in_viewport()
            page.get_by_test_id("stExpandSidebarButton").click()  # the sidebar's controls are one tap away
            expect(page.get_by_test_id("stSidebar").get_by_role("button", name="Clear")).to_be_in_viewport()
    if os.environ.get("UPDATE_SCREENSHOTS") == "1" or not PHONE_SHOT.is_file():
        shutil.copyfile(ARTIFACTS / "compare-phone.png", PHONE_SHOT)
