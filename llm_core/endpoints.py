"""Custom OpenAI-compatible endpoints a user adds for one session: their models, as catalog entries."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import ValidationError

from .catalog import Model, describe_validation
from .errors import CatalogError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def parse_model_names(text: str) -> list[str]:
    """Model names separated by commas or new lines, in order, without blanks or repeats."""
    names = (n.strip() for n in re.split(r"[,\n]", text or ""))
    return list(dict.fromkeys(n for n in names if n))


def custom_models(
    name: str,
    base_url: str,
    api_key: str | None,
    model_names: str,
    *,
    input_price: float | None = None,
    output_price: float | None = None,
    context_window: int | None = None,
) -> list[Model]:
    """Catalog entries `name/model` for one endpoint; CatalogError saying what to fix."""
    name, base_url = (name or "").strip(), (base_url or "").strip().rstrip("/")
    if not _NAME.match(name):
        raise CatalogError("Give the endpoint a short name (letters, digits, - . _), e.g. my-vllm: it prefixes ids.")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CatalogError("The base URL must be http(s)://host[:port]/path, e.g. http://localhost:8000/v1.")
    names = parse_model_names(model_names)
    if not names:
        raise CatalogError("List at least one model the endpoint serves (Test endpoint lists them).")
    try:
        return [
            Model(
                id=f"{name}/{model}",
                label=f"{model} ({name})",
                provider="openai",
                name=model,
                base_url=base_url,
                api_key=(api_key or "").strip() or None,
                input_price=input_price,
                output_price=output_price,
                context_window=context_window,
                description=f"custom endpoint {name}",
            )
            for model in names
        ]
    except ValidationError as e:
        raise CatalogError(f"These models cannot be added: {describe_validation(e)}") from e
