"""The Compare page in Chromium, for what only a browser shows: which links and images a pane really offers."""

from __future__ import annotations

from tests.browser_support import (
    ARTIFACTS,
    chromium_or_skip,
    clean_env,
    launch_chromium,
    screenshot_on_failure,
    streamlit_app,
)
from tests.test_browser_compare import DEMO_PAIR, FINAL_METRICS, ask, fast_demo_catalog, pane

# Every way Markdown makes a link or an image of a URL, each with a scheme a click must never open.
UNSAFE_LINKS = (
    "Links: [plain](data:text/html,<b>hi</b>) [upper](DATA:text/html,hi) [entity](&#100;ata:text/html,hi) "
    "[bracketed](<data:text/html,hi>) [escaped](data\\:text/html,hi) [spaced]( data:text/html,hi) "
    "![picture](data:image/png;base64,iVBORw0KGgo=) <data:text/html,auto> [script](javascript:alert(1)) "
    "[by reference][r] and [fine](https://example.com/fine).\n\n[r]: data:text/html,ref"
)

# The URL of every link and image in a pane, as the browser resolved it.
URLS_JS = "pane => [...pane.querySelectorAll('a[href], img[src]')].map(e => e.href || e.src)"


def test_a_reply_never_offers_a_data_or_script_link_and_keeps_the_safe_one(tmp_path):
    chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    catalog = fast_demo_catalog(tmp_path / "models.toml")
    env = clean_env(SWITCHBOARD_LOG_DIR=str(tmp_path / "logs"), SWITCHBOARD_MODELS=str(catalog))
    log = ARTIFACTS / "compare-links-streamlit.log"
    with streamlit_app(env, log=log) as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        with screenshot_on_failure(page, ARTIFACTS / "compare-links-failure.png"):
            page.goto(url)
            ask(page, UNSAFE_LINKS)
            mirror = pane(page, "p1")  # the echo mirror repeats the prompt in its answer
            for pane_id in DEMO_PAIR:
                finished = pane(page, pane_id).get_by_test_id("stCaptionContainer").filter(has_text=FINAL_METRICS)
                expect(finished).to_be_visible(timeout=20_000)
            expect(mirror.get_by_test_id("stChatMessage").nth(1)).to_contain_text("by reference")
            urls = mirror.evaluate(URLS_JS)
        browser.close()
    assert "https://example.com/fine" in urls  # links still work
    unsafe = [u for u in urls if u.split(":", 1)[0].lower() not in {"http", "https"}]
    assert not [u for u in unsafe if not u.startswith(url)], unsafe  # anything else stays on the app's own page
