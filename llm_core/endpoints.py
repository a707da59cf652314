"""Custom endpoints: the models a user adds for one session, as catalog entries, and the one rule for what any
model with its own base URL is sent: only the key given with that endpoint, never a provider's key.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urlsplit

from pydantic import ValidationError

from .catalog import Model, describe_validation
from .config import Config
from .errors import CatalogError, NeedsKeyError
from .providers import Endpoint
from .redact import register_secret

# What a keyless endpoint is sent. The SDKs insist on a key, and given none they read their own variable
# (OPENAI_API_KEY, GROQ_API_KEY...): that is the operator's key, which a custom endpoint must never receive.
NO_KEY = "no-key-needed"
KEY_HINT = "the endpoint's key (the Settings page, or api_key_var in its catalog entry)"

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def endpoint_key(model: Model, config: Config) -> str | None:
    """The key for a model with its own base URL: the one given with it, or the variable its catalog entry names;
    None when it has neither. NeedsKeyError when the named variable is unset."""
    if model.api_key and model.api_key.strip():
        return model.api_key
    if not model.api_key_var:
        return None
    value = config.lookup(model.api_key_var).value
    if not value:
        error = NeedsKeyError(model.label, model.api_key_var)
        error.args = (  # a variable of the catalog's own, so not one the Settings page can set
            f"{model.label} is not configured: set {model.api_key_var} in the environment or in "
            ".streamlit/secrets.toml (its catalog entry names it as the endpoint's key).",
        )
        raise error
    register_secret(value)  # whatever the variable is called, its value is a key
    return value


def own_endpoint(
    base_url: str, api_key: str | None, *, provider: str = "openai", key_var: str | None = None, **overrides
) -> Endpoint:
    """The Endpoint for a base URL of its own, carrying `api_key` and nothing else (NO_KEY when it is blank)."""
    api_key = (api_key or "").strip() or None
    register_secret(api_key)  # scrubbed from any error, like every configured key
    naming = {"provider": provider, "key_var": key_var or KEY_HINT}
    return Endpoint(api_key=api_key or NO_KEY, base_url=base_url.strip().rstrip("/"), settings=naming, **overrides)


def model_endpoint(model: Model, config: Config, **overrides) -> Endpoint:
    """The Endpoint a call to this model uses: its own base URL with only its own key, else its provider's;
    the model's settings under the provider's naming."""
    if model.base_url:
        key = endpoint_key(model, config)
        endpoint = own_endpoint(model.base_url, key, provider=model.provider, key_var=model.api_key_var, **overrides)
    else:
        endpoint = config.endpoint(model.provider, **overrides)
    return replace(endpoint, settings={**model.settings, **endpoint.settings})


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
