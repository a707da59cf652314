"""The HTTP API: the FastAPI app (`app`), its request and response schemas, settings, model calls and SSE.

An interface: may import anything in llm_core but the CLI. `uvicorn llm_core.api:app` serves it; the app is built
on first use, so importing a module of this package builds nothing.
"""

from __future__ import annotations

from typing import Any

__all__ = ["app", "create_app"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import server as module

        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
