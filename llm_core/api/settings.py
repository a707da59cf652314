"""How the HTTP API is exposed: its bearer token, CORS origins and body limit, read from the environment."""

from __future__ import annotations

import hmac
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import HTTPException, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import SwitchboardError
from ..policy import whole_number
from ..redact import register_secret

TOKEN_VARIABLE = "SWITCHBOARD_API_TOKEN"
CORS_VARIABLE = "SWITCHBOARD_CORS_ORIGINS"
MAX_BODY_VARIABLE = "SWITCHBOARD_MAX_BODY_BYTES"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class ApiConfigError(SwitchboardError):
    """An API setting in the environment cannot be used."""


@dataclass(frozen=True)
class ApiSettings:
    """The API's own settings. No token means an open API; no origins means no cross-origin browser calls."""

    token: str | None = field(default=None, repr=False)  # never in a repr, so never in a log
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    @classmethod
    def from_env(cls) -> ApiSettings:
        """SWITCHBOARD_API_TOKEN, SWITCHBOARD_CORS_ORIGINS (comma-separated) and SWITCHBOARD_MAX_BODY_BYTES."""
        token = os.environ.get(TOKEN_VARIABLE, "").strip() or None
        register_secret(token)
        origins = tuple(o.strip().rstrip("/") for o in os.environ.get(CORS_VARIABLE, "").split(",") if o.strip())
        return cls(token=token, cors_origins=origins, max_body_bytes=_max_body_bytes())

    @property
    def auth_required(self) -> bool:
        return self.token is not None


def _max_body_bytes() -> int:
    raw = os.environ.get(MAX_BODY_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_MAX_BODY_BYTES
    return whole_number(MAX_BODY_VARIABLE, raw, unit="bytes", example=str(DEFAULT_MAX_BODY_BYTES), error=ApiConfigError)


_bearer = HTTPBearer(auto_error=False, description=f"The value of {TOKEN_VARIABLE}, when the server sets one.")


def token_guard(settings: ApiSettings) -> Callable[[HTTPAuthorizationCredentials | None], Awaitable[None]]:
    """A dependency that lets a request through only with the right bearer token (when one is set)."""

    # async: FastAPI runs a plain `def` dependency on its thread pool, a thread hop for every request
    async def require_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]) -> None:
        if settings.token is None:
            return
        offered = credentials.credentials if credentials else ""
        # Constant-time, so the response time says nothing about how much of a guess was right.
        if not hmac.compare_digest(offered.encode(), settings.token.encode()):
            raise HTTPException(
                status_code=401,
                detail=f"missing or wrong bearer token: send 'Authorization: Bearer <{TOKEN_VARIABLE}>'",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return require_token


class BodyLimit:
    """Refuse a request body larger than the limit with a 413 that names the setting.

    A declared Content-Length is refused before anything is read; a body sent without one is counted as it
    arrives and refused as soon as it passes the limit.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes

    def _too_large(self, declared: int | None = None) -> str:
        limit = f"{self.max_body_bytes:,} bytes, the most this server accepts ({MAX_BODY_VARIABLE})"
        return (
            f"the request body is {declared:,} bytes, over {limit}" if declared else f"the request body passed {limit}"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            detail = self._too_large(int(declared))
            await JSONResponse(status_code=413, content=_error_body(scope, detail))(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:  # FastAPI answers an HTTPException raised while reading
                    raise HTTPException(status_code=413, detail=self._too_large())
            return message

        await self.app(scope, counted, send)


def _error_body(scope: Scope, detail: str) -> dict:
    """`{"detail": ...}`, or OpenAI's `{"error": {...}}` for the OpenAI-compatible routes under /v1."""
    path = scope.get("path", "")
    if path == "/v1" or path.startswith("/v1/"):
        return {"error": {"message": detail, "type": "invalid_request_error", "param": None, "code": "body_too_large"}}
    return {"detail": detail}
