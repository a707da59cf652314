"""The Compare page in Chromium, for what only a browser shows: which links a pane offers, what a finished pane
offers while another still streams."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.browser_support import (
    ARTIFACTS,
    chromium_or_skip,
    clean_env,
    launch_chromium,
    screenshot_on_failure,
    streamlit_app,
)
from tests.catalogs import write_catalog
from tests.pages.test_browser_compare import (
    DEMO_PAIR,
    FAST,
    FINAL_METRICS,
    SHIPPED,
    ask,
    fast_demo_catalog,
    pane,
    read_csv,
    wait_for_rating,
)

# Every way Markdown makes a link or an image of a URL, each with a scheme a click must never open.
UNSAFE_LINKS = (
    "Links: [plain](data:text/html,<b>hi</b>) [upper](DATA:text/html,hi) [entity](&#100;ata:text/html,hi) "
    "[bracketed](<data:text/html,hi>) [escaped](data\\:text/html,hi) [spaced]( data:text/html,hi) "
    "![picture](data:image/png;base64,iVBORw0KGgo=) <data:text/html,auto> [script](javascript:alert(1)) "
    "[by reference][r] and [fine](https://example.com/fine).\n\n[r]: data:text/html,ref"
)

# The URL of every link and image in a pane, as the browser resolved it.
URLS_JS = "pane => [...pane.querySelectorAll('a[href], img[src]')].map(e => e.href || e.src)"


@contextmanager
def compare_page(tmp_path: Path, name: str, catalog: Path) -> Iterator[tuple[object, str]]:
    """Chromium on a fresh Compare page of the app run with this catalog; the page and the app's URL."""
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    env = clean_env(SWITCHBOARD_LOG_DIR=str(tmp_path / "logs"), SWITCHBOARD_MODELS=str(catalog))
    with streamlit_app(env, log=ARTIFACTS / f"{name}-streamlit.log") as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        with screenshot_on_failure(page, ARTIFACTS / f"{name}-failure.png"):
            page.goto(url)
            yield page, url
        browser.close()


def finished_line(page, pane_id: str):
    """The final metrics line under a pane's answer (the streaming line has no token counts)."""
    return pane(page, pane_id).get_by_test_id("stCaptionContainer").filter(has_text=FINAL_METRICS)


def test_a_reply_never_offers_a_data_or_script_link_and_keeps_the_safe_one(tmp_path):
    from playwright.sync_api import expect

    with compare_page(tmp_path, "compare-links", fast_demo_catalog(tmp_path / "models.toml")) as (page, url):
        ask(page, UNSAFE_LINKS)
        for pane_id in DEMO_PAIR:
            expect(finished_line(page, pane_id)).to_be_visible(timeout=20_000)
        mirror = pane(page, "p1")  # the echo mirror repeats the prompt in its answer
        expect(mirror.get_by_test_id("stChatMessage").nth(1)).to_contain_text("by reference")
        urls = mirror.evaluate(URLS_JS)
    assert "https://example.com/fine" in urls  # links still work
    unsafe = [u for u in urls if u.split(":", 1)[0].lower() not in {"http", "https"}]
    assert not [u for u in unsafe if not u.startswith(url)], unsafe  # anything else stays on the app's own page


def test_a_finished_pane_can_be_rated_while_another_still_streams_and_the_other_goes_on(tmp_path):
    from playwright.sync_api import expect

    paced = {"echo": FAST, "echo-outline": {"ttft_ms": 0, "tokens_per_s": 4}}  # the outline takes ~10 s
    entries = {
        model_id: {
            **SHIPPED[model_id].model_dump(exclude={"id"}, exclude_defaults=True),
            "settings": {**SHIPPED[model_id].settings, **pacing},
        }
        for model_id, pacing in paced.items()
    }
    catalog = write_catalog(tmp_path / "models.toml", entries)
    with compare_page(tmp_path, "compare-early-stars", catalog) as (page, _):
        ask(page, "Name three rivers that flow through Europe")
        fast, slow = pane(page, "p1"), pane(page, "p2")
        stars = fast.get_by_role("radio", name="4 out of 5 stars")
        expect(stars).to_be_visible(timeout=8_000)
        expect(slow).to_contain_text("streaming…")  # the slow pane has not finished
        stars.click()
        expect(stars).to_be_checked()
        expect(finished_line(page, "p2")).to_be_visible(timeout=30_000)
        expect(slow.get_by_role("radio", name="4 out of 5 stars")).to_be_visible()
        expect(fast.get_by_role("radio", name="4 out of 5 stars")).to_be_checked()
        rating = wait_for_rating(tmp_path / "logs", "4")  # stored once the turn has ended
    rows = {row["model"]: row for row in read_csv(tmp_path / "logs" / "requests.csv")}
    assert rows["echo-outline"]["status"] == "ok"  # rating the fast pane did not stop the slow one
    assert rating["request_id"] == rows["echo"]["request_id"]


# Where each pane shows the prompt of the latest turn: its top edge on the page, in CSS pixels.
LATEST_PROMPT_TOPS_JS = """(prompt) => [...document.querySelectorAll('[class*="st-key-pane_"]')].map((pane) => {
  const messages = [...pane.querySelectorAll('[data-testid="stChatMessage"]')];
  const asked = messages.filter((message) => message.textContent.includes(prompt));
  return asked.length ? Math.round(asked[0].getBoundingClientRect().top) : null;
})"""


def test_a_follow_up_starts_level_in_every_pane_after_answers_of_any_length_and_a_pane_added_late(tmp_path):
    from playwright.sync_api import expect

    with compare_page(tmp_path, "compare-aligned", fast_demo_catalog(tmp_path / "models.toml")) as (page, _):
        ask(page, "A long first question " + " ".join(f"word{i}" for i in range(150)))  # the mirror's answer is long
        for pane_id in DEMO_PAIR:
            expect(finished_line(page, pane_id)).to_be_visible(timeout=20_000)
        page.locator(".st-key-add_pane button").click()
        expect(pane(page, "p3")).to_be_visible()
        ask(page, "And the follow-up?")
        for pane_id in (*DEMO_PAIR, "p3"):
            expect(finished_line(page, pane_id).last).to_contain_text("→", timeout=20_000)
        page.wait_for_timeout(500)  # the last paint laid out
        tops = page.evaluate(LATEST_PROMPT_TOPS_JS, "And the follow-up?")
    assert None not in tops and len(tops) == 3
    assert max(tops) - min(tops) <= 2, tops  # turn 2 level in all three panes, the new one's first turn included
