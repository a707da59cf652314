"""A bookmarked page on a freshly started server opens inside the app, with the app's navigation."""

from __future__ import annotations

import pytest

from tests.browser_support import (
    ARTIFACTS,
    chromium_or_skip,
    clean_env,
    launch_chromium,
    screenshot_on_failure,
    streamlit_app,
)


@pytest.mark.parametrize(
    "path, heading", [("analytics", "Analytics"), ("settings", "Settings"), ("evaluate", "Evaluate")]
)
def test_a_bookmarked_page_on_a_fresh_server_shows_the_apps_navigation(tmp_path, path, heading):
    chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    env = clean_env(SWITCHBOARD_LOG_DIR=str(tmp_path / "logs"))
    with streamlit_app(env, ARTIFACTS / f"streamlit-{path}.log") as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1300, "height": 800})
        with screenshot_on_failure(page, ARTIFACTS / f"bookmark-{path}-failure.png"):
            page.goto(f"{url}/{path}")  # the very first visit this server gets
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=30_000)
            nav = page.get_by_test_id("stSidebarNav")
            expect(nav).to_contain_text("Compare")
            assert "compare panes" not in nav.inner_text().lower()  # helper modules are not pages
            assert nav.get_by_role("link").count() == 4  # Compare, Evaluate, Analytics, Settings
        browser.close()
