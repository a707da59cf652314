"""Building a client of the openai, groq or anthropic SDK: they share one shape (Stainless-generated)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ..errors import NeedsKeyError
from .base import Provider


def sdk_client(sdk: ModuleType, client_class: type, provider: Provider) -> Any:
    """A client with the SDK's own retries off (the core retries, the same way for every provider) and our timeouts."""
    endpoint = provider.endpoint
    if not endpoint.api_key:
        raise NeedsKeyError(provider.name, endpoint.settings.get("key_var", getattr(provider, "key_var", "")))
    return client_class(
        api_key=endpoint.api_key,
        base_url=endpoint.base_url,
        max_retries=0,
        timeout=sdk.Timeout(
            connect=endpoint.connect_timeout,
            read=endpoint.read_timeout,
            write=endpoint.connect_timeout,
            pool=endpoint.connect_timeout,
        ),
    )
