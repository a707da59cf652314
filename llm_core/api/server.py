"""Switchboard over HTTP, for people who script: `uvicorn llm_core.api:app`, docs at /docs.

The same catalog, providers and log as the app: every call is logged to requests.csv like one made on a page.
Settings (environment): SWITCHBOARD_API_TOKEN (a bearer token every route but /health then requires),
SWITCHBOARD_CORS_ORIGINS (comma-separated; none by default) and SWITCHBOARD_MAX_BODY_BYTES (default 1 MiB).
Streaming (`stream=true`) is described in sse.py.
"""

from __future__ import annotations

import gc
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..catalog import catalog_with_local_models, usable_catalog
from ..compare import Comparison
from ..config import Config
from ..engine import Turn
from ..errors import ContextTooLongError, OptionsError, SwitchboardError, TemplateError, UnknownModelError
from ..health import check_provider, provider_overview
from ..policy import Policy
from ..providers import PROVIDERS, aclose_clients
from ..readiness import is_ready
from ..redact import redact
from ..store import verdicts
from ..templates import usable_templates
from .calls import (
    BadRequestError,
    SafeJSONResponse,
    complete_unless_disconnected,
    http_status,
    model_with_fallbacks,
    new_comparison,
    new_turn,
    prepare,
    prepared,
    reply_response,
    unless_disconnected,
)
from .docs import docs_router, mount_assets
from .gateway import REQUEST_ID_HEADER, error_response, gateway_router, is_gateway_path
from .openai_wire import WireError
from .schemas import (
    ChatBody,
    CompareBody,
    CompareReply,
    ErrorReply,
    GenerateBody,
    RateBody,
    RateReply,
    Reply,
    VoteBody,
    VoteReply,
)
from .settings import ApiSettings, BodyLimit, token_guard
from .sse import SSE_FORMAT, stream_turn

CLIENT_ERRORS = (BadRequestError, UnknownModelError, TemplateError, OptionsError, ContextTooLongError)
_FAILURES = {
    400: {"model": ErrorReply, "description": "Unknown model (the message lists the valid ids), template or option"},
    401: {"model": ErrorReply, "description": "Missing or wrong bearer token"},
    413: {"model": ErrorReply, "description": "Body larger than SWITCHBOARD_MAX_BODY_BYTES"},
    422: {"model": ErrorReply, "description": "Malformed body: a missing or unknown field, a value out of range"},
    502: {"description": "The provider failed: `detail` is its message (keys redacted), with the record"},
    503: {"description": "The model's provider is not configured on this server"},
    504: {"description": "The provider did not answer in time"},
}
_VERDICT_FAILURES = {
    404: {"model": ErrorReply, "description": "No logged request (or comparison) has that id"},
    409: {"model": ErrorReply, "description": "An ambiguous id prefix, an error row, or a comparison already voted on"},
}
GENERATE_DOC = "Ask one model one prompt; the reply is measured and logged.\n\n" + SSE_FORMAT
_STREAM_DOC = {
    200: {
        "description": "The answer; with stream=true, server-sent events: start, delta..., result (see sse.py)",
        "content": {"text/event-stream": {}},
    }
}


def create_app(settings: ApiSettings | None = None, *, store=None) -> FastAPI:
    """The API; `store` replaces the default log store (tests and benchmarks)."""
    settings = settings or ApiSettings.from_env()
    usable_catalog()  # a bad user catalog is logged as the server starts; /config says why it was not used
    usable_templates()  # and so is a bad user templates file
    docs_open = settings.token is None  # with a token, only /health is open: the docs are served behind it
    app = FastAPI(
        title="Switchboard API",
        summary="Ask, compare and rate LLMs; every call measured and logged.",
        docs_url=None,  # docs.py serves /docs, /redoc and /openapi.json with their assets, no CDN
        redoc_url=None,
        openapi_url="/openapi.json" if docs_open else None,
        default_response_class=SafeJSONResponse,
        lifespan=_serving,
    )
    app.add_middleware(BodyLimit, max_body_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=[REQUEST_ID_HEADER],
        )
    _add_error_handlers(app)
    app.include_router(_health_router())
    guarded = [Depends(token_guard(settings))]
    app.include_router(_calls_router(store), dependencies=guarded, responses=_FAILURES)
    app.include_router(_info_router(settings), dependencies=guarded, responses={401: _FAILURES[401]})
    app.include_router(gateway_router(store), dependencies=guarded)
    mount_assets(app)
    app.include_router(docs_router(app), dependencies=[] if docs_open else guarded)
    return app


# The API allocates fast (objects for every chunk of every stream), and Python's collector, run every 700 new
# objects, walked the heap often enough to cost a crowd of 200 streams a tenth of a second. As long-lived servers
# do, what is loaded by the start is frozen out of the collections (gc.freeze) and the young objects are collected
# every 20,000.
GC_THRESHOLDS = (20_000, 20, 20)


@asynccontextmanager
async def _serving(_app: FastAPI) -> AsyncIterator[None]:
    """The server's life: the collector tuned for it; its SDK clients (and their connections) closed at the end."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
        await aclose_clients()


def _health_router() -> APIRouter:
    router = APIRouter()
    started = time.monotonic()

    @router.head("/health", include_in_schema=False)  # load balancers and `curl -I` probe with HEAD
    @router.get("/health", tags=["info"])
    async def health() -> dict:
        """Liveness, open even when a token is set: says nothing about keys or providers."""
        # async: answered on the event loop, never queued behind model calls waiting for a thread
        return {"status": "ok", "uptime_s": round(time.monotonic() - started, 1)}

    return router


def _calls_router(store) -> APIRouter:
    router = APIRouter(tags=["calls"])

    @router.post("/generate", response_model=Reply, responses=_STREAM_DOC, description=GENERATE_DOC)
    async def generate(
        request: Request,
        body: GenerateBody,
        model: str = Query("auto", description="A catalog id, alias, provider:model, or auto."),
        stream: bool = Query(False, description="Server-sent events instead of one JSON reply."),
    ):
        """Ask one model one prompt."""
        turn = await prepared(_prepared_turn, body, model, None, store)
        return await _answer(request, turn, body.input_notice, stream)

    @router.post("/chat", response_model=Reply, responses=_STREAM_DOC)
    async def chat(
        request: Request,
        body: ChatBody,
        stream: bool = Query(False, description="Server-sent events, as for /generate."),
    ):
        """One chat turn, with earlier turns as history; falls back along the model's chain before answering."""
        turn = await prepared(_prepared_turn, body, body.model, body.fallbacks, store)
        return await _answer(request, turn, body.input_notice, stream)

    @router.post("/compare", response_model=CompareReply)
    async def compare(request: Request, body: CompareBody):
        """Ask several models at once; 200 when any answered (each result has its own status)."""
        comparison = await run_in_threadpool(_prepared_comparison, body, store)
        started = time.monotonic()
        results = await unless_disconnected(request, comparison.run, comparison.cancel)
        reply = CompareReply(
            comparison_id=comparison.comparison_id,
            wall_ms=(time.monotonic() - started) * 1000,
            results=[Reply.of(r, body.input_notice) for r in results],
        ).model_dump()
        if any(r.ok for r in results):
            return reply
        first_error = results[0]
        return SafeJSONResponse(status_code=http_status(first_error), content={"detail": first_error.error, **reply})

    @router.post("/rate", response_model=RateReply, responses=_VERDICT_FAILURES)
    def rate(body: RateBody) -> RateReply:
        """Give an answer 1–5 stars by its request_id (from /generate, /chat, /compare or /v1/chat/completions)."""
        try:
            rating = verdicts.rate(_log_store(store), body.request_id, body.stars, body.comment)
        except verdicts.VerdictError as e:
            raise HTTPException(status_code=e.status, detail=str(e)) from e
        return RateReply(
            request_id=rating.request_id,
            model=rating.model,
            stars=rating.stars,
            score=rating.stars,
            comment=rating.comment,
            input_notice=body.input_notice,
        )

    @router.post("/vote", response_model=VoteReply, responses=_VERDICT_FAILURES)
    def vote(body: VoteBody) -> VoteReply:
        """Vote for the winner of a comparison (from /compare): a request_id, `tie` or `both_bad`; one vote each."""
        try:
            ballot = verdicts.vote(_log_store(store), body.comparison_id, body.winner)
        except verdicts.VerdictError as e:
            raise HTTPException(status_code=e.status, detail=str(e)) from e
        return VoteReply(
            comparison_id=ballot.comparison_id,
            winner=ballot.winner,
            winning_model=ballot.winning_model,
            models=ballot.models,
            request_ids=ballot.request_ids,
        )

    return router


async def _answer(request: Request, turn: Turn, input_notice: str, stream: bool):
    """The Turn's answer: streamed as server-sent events, or one JSON reply once it is complete.

    Either way, a client that disconnects cancels the call, which is logged `cancelled`."""
    if stream:
        return await stream_turn(turn, input_notice)
    return reply_response(await complete_unless_disconnected(turn, request), input_notice)


def _prepared_turn(body: GenerateBody, model: str, fallbacks: list[str] | None, store):
    history = [m.model_dump() for m in getattr(body, "history", [])]
    prepared = prepare(body.prompt, template=body.template, system=body.system, options=body.options, history=history)
    return new_turn(prepared, model_with_fallbacks(prepared, model, fallbacks), store)


def _prepared_comparison(body: CompareBody, store) -> Comparison:
    prepared = prepare(body.prompt, template=body.template, system=body.system, options=body.options)
    return new_comparison(prepared, body.models, store)


def _info_router(settings: ApiSettings) -> APIRouter:
    router = APIRouter(tags=["info"])

    @router.get("/config")
    def config() -> dict:
        """What this server is set up with. Never a key: only where each comes from."""
        templates = usable_templates()
        catalog = catalog_with_local_models(Config())
        return {
            "api": {
                "auth_required": settings.auth_required,
                "cors_origins": list(settings.cors_origins),
                "max_body_bytes": settings.max_body_bytes,
            },
            "providers": [
                {k: v for k, v in asdict(p).items() if k != "key_masked"} for p in provider_overview(Config())
            ],
            "policy": asdict(Policy.from_env()),
            "catalog_sources": [str(p) for p in catalog.sources],
            "catalog_problem": catalog.problem,  # why the user's catalog file was not used; None when it was
            "templates": [
                {"name": t.name, "description": t.description, "system": t.system, "text": t.text}
                for t in templates.templates.values()
            ],
            "templates_problem": templates.problem,  # why the user's templates file was not used; None when it was
        }

    @router.get("/models")
    def models() -> list[dict]:
        """Every model: id, provider, prices (USD per million tokens), context window, priority, fallbacks."""
        config = Config()
        return [
            {
                "id": m.id,
                "label": m.label,
                "provider": m.provider,
                "name": m.name,
                "configured": config.status(m.provider).configured,
                "ready": m.is_demo or is_ready(m, config),
                "input_price": m.input_price,
                "output_price": m.output_price,
                "context_window": m.context_window,
                "priority": m.priority,
                "fallbacks": list(m.fallbacks),
                "aliases": list(m.aliases),
                "demo": m.is_demo,
            }
            for m in catalog_with_local_models(config).models.values()
        ]

    @router.get("/providers/{provider}/check", responses={404: {"model": ErrorReply}})
    def check(provider: str) -> dict:
        """List the provider's models and time the round trip (a cheap authenticated call)."""
        if provider not in PROVIDERS:
            raise HTTPException(404, detail=f"unknown provider {provider!r}; known: {', '.join(PROVIDERS)}")
        return asdict(check_provider(provider, Config()))

    return router


def _log_store(store):
    if store is not None:
        return store
    from ..store.csv_store import default_store

    return default_store()


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SwitchboardError)
    async def switchboard_error(request: Request, error: SwitchboardError) -> SafeJSONResponse:
        status = 400 if isinstance(error, CLIENT_ERRORS) else 500
        if is_gateway_path(request.url.path):
            return error_response(WireError(status, redact(str(error))))
        return SafeJSONResponse(status_code=status, content={"detail": redact(str(error))})

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> SafeJSONResponse:
        return SafeJSONResponse(status_code=422, content={"detail": _describe_validation(error)})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if is_gateway_path(request.url.path):  # OpenAI clients parse {"error": {...}}, not {"detail": ...}
            return error_response(WireError(error.status_code, str(error.detail)), headers=error.headers)
        cause = error.__cause__
        if isinstance(cause, UnicodeDecodeError):  # FastAPI says only "There was an error parsing the body"
            byte = f"byte {cause.start}, counting from 0, is 0x{cause.object[cause.start]:02x}"
            detail = f"the request body is not valid UTF-8 ({byte}): send the JSON encoded as UTF-8"
            return SafeJSONResponse(status_code=400, content={"detail": detail})
        return await http_exception_handler(request, error)


def _describe_validation(error: RequestValidationError) -> str:
    """'body.score: Input should be less than or equal to 5; ...' without echoing the input back."""
    problems = []
    for e in error.errors():
        where = ".".join(str(part) for part in e.get("loc", ()))
        problems.append(f"{where}: {e.get('msg', 'invalid')}")
    return "; ".join(problems) or "the request is not valid"


app = create_app()
