"""/docs and /redoc load with no internet: every script, style and icon comes from the server itself."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from llm_core.api.server import create_app
from llm_core.api.settings import ApiSettings
from tests.api_support import api_server
from tests.browser_support import chromium_or_skip, launch_chromium

TOKEN = "docs-token-0000eeee5555"
# ReDoc's "powered by" badge, built into its bundle: an image that hides itself when it cannot load.
REDOC_BADGE = "https://cdn.redoc.ly/redoc/logo-mini.svg"
_LINKS = re.compile(r"""(?:src|href)=["']([^"']+)["']|url: ?'([^']+)'""")


def linked(html: str) -> list[str]:
    """Every URL the page loads: script and style sources, icons, the OpenAPI document."""
    return [a or b for a, b in _LINKS.findall(html)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_nothing_from_another_host(page):
    client = TestClient(create_app())
    urls = linked(client.get(page).text)

    assert urls and all(not urlparse(url).netloc for url in urls), urls
    for url in urls:
        reply = client.get(url)
        assert reply.status_code == 200 and len(reply.content) > 100, url


def test_the_assets_are_the_real_swagger_ui_and_redoc_bundles():
    client = TestClient(create_app())
    assert "SwaggerUIBundle" in client.get("/docs-assets/swagger-ui-bundle.js").text
    assert "Redoc" in client.get("/docs-assets/redoc.standalone.js").text
    assert client.get("/docs-assets/swagger-ui.css").headers["content-type"].startswith("text/css")


def test_with_a_token_the_pages_need_it_but_the_public_assets_do_not():
    client = TestClient(create_app(ApiSettings(token=TOKEN)))
    assert client.get("/docs").status_code == 401 and client.get("/redoc").status_code == 401
    assert client.get("/openapi.json").status_code == 401
    authorised = {"Authorization": f"Bearer {TOKEN}"}
    assert "/docs-assets/swagger-ui-bundle.js" in client.get("/docs", headers=authorised).text
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize(("page", "ready"), [("/docs", ".swagger-ui .info .title"), ("/redoc", "h1")])
def test_a_browser_with_no_internet_renders_the_docs(isolated, page, ready):
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    elsewhere: list[str] = []
    with api_server(isolated) as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page()
        ours = urlparse(url).netloc

        def offline(route):  # the internet is unreachable: anything not from the server fails
            if urlparse(route.request.url).netloc == ours:
                route.continue_()
            else:
                elsewhere.append(route.request.url)
                route.abort("internetdisconnected")

        tab.route("**/*", offline)
        tab.goto(url + page)
        tab.wait_for_selector(ready, timeout=20_000)
        title = tab.inner_text(ready)
        tab.get_by_text("/v1/chat/completions").first.wait_for(timeout=20_000)
        browser.close()

    assert "Switchboard API" in title
    assert [url for url in elsewhere if url != REDOC_BADGE] == []  # no script, style or font from elsewhere


def test_behind_a_proxy_the_pages_link_their_assets_under_the_root_path():
    client = TestClient(create_app(), root_path="/switchboard")
    urls = linked(client.get("/docs").text)
    assert urls and all(url.startswith("/switchboard/") for url in urls), urls
