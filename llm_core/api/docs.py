"""/docs (Swagger UI) and /redoc served with their scripts, so they load with no internet and behind firewalls.

FastAPI's own pages fetch Swagger UI and ReDoc from a CDN (and ReDoc its fonts from Google): without internet they
are blank. The assets come from the `fastapi-offline` package (a packaged copy of swagger-ui-dist and ReDoc's
standalone bundle) and are served under ASSETS_URL.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs-assets"
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
TITLE = "Switchboard API"


def mount_assets(app: FastAPI) -> None:
    """Serve the Swagger UI and ReDoc scripts, styles and icon (public files: never behind the token)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")


def docs_router(app: FastAPI) -> APIRouter:
    """/openapi.json, /docs and /redoc, every script from this server; the caller decides who may see them."""
    router = APIRouter(include_in_schema=False)

    @router.get("/openapi.json")
    def openapi() -> dict:
        return app.openapi()

    @router.get("/docs")
    def swagger(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{TITLE} – Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        )

    @router.get("/redoc")
    def redoc(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_redoc_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{TITLE} – ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )

    return router


def _root(request: Request) -> str:
    """The path the server is mounted under behind a proxy (`uvicorn --root-path /switchboard`), else ''."""
    return request.scope.get("root_path", "").rstrip("/")
