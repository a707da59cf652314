"""Is each provider ready, and does it answer? Configuration at a glance, and a timed round trip.

Nothing here returns a key: configuration is described by where the key comes from and its masked tail,
and every error message is redacted. Streamlit-free, shared by the Settings page and the HTTP API.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from .config import Config
from .endpoints import own_endpoint
from .errors import SwitchboardError
from .providers import PROVIDERS, Provider
from .redact import public_url, redact

DEFAULT_TIMEOUT_S = 10.0
KEY_SOURCES = {"session": "this session", "secrets": "Streamlit secrets", "environment": "environment"}


@dataclass(frozen=True)
class ProviderOverview:
    """One provider's configuration as it may be shown to anyone: never the key itself."""

    name: str
    label: str
    configured: bool
    needs_key: bool
    key_variable: str  # the variable to set ("" when the provider needs no key)
    key_source: str  # "this session", "Streamlit secrets", "environment", or "" when unset
    key_masked: str  # at most the last four characters
    base_url: str  # with any credentials in it removed; "" for the SDK's default
    base_url_variable: str  # where a different base URL can be set ("" when it cannot)
    hint: str  # what to do when not configured


@dataclass(frozen=True)
class HealthCheck:
    """The outcome of asking an endpoint for its models: what it serves and how long the round trip took."""

    target: str  # a provider name, or the base URL of a custom endpoint
    ok: bool
    models: tuple[str, ...] = ()
    round_trip_ms: float | None = None  # measured on a monotonic clock, also when the call failed
    error: str = ""  # redacted, meant to be shown as it is

    @property
    def summary(self) -> str:
        """'12 models · 85 ms' or the error."""
        if not self.ok:
            return self.error
        count = f"{len(self.models)} model{'s' if len(self.models) != 1 else ''}"
        return f"{count} · {format_round_trip(self.round_trip_ms)} round trip"


def format_round_trip(ms: float | None) -> str:
    """0.4 ms, 85 ms or 1.25 s: enough digits for a local endpoint and a distant one alike."""
    if ms is None:
        return "–"
    if ms < 0.1:
        return "<0.1 ms"
    if ms < 10:
        return f"{ms:.1f} ms"
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def provider_overview(config: Config) -> list[ProviderOverview]:
    """Every provider in the table's order: configured or not, where its key comes from, its base URL."""
    rows = []
    for name, spec in PROVIDERS.items():
        status = config.status(name)
        key = status.key
        rows.append(
            ProviderOverview(
                name=name,
                label=spec.label,
                configured=status.configured,
                needs_key=spec.needs_key,
                key_variable=key.name if key else (spec.key_vars[0] if spec.needs_key else ""),
                key_source=KEY_SOURCES.get(key.source, key.source) if key else "",
                key_masked=key.masked if key else "",
                base_url=public_url(status.base_url),
                base_url_variable=spec.base_url_var or "",
                hint=status.hint,
            )
        )
    return rows


def check_provider(provider: str, config: Config, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> HealthCheck:
    """List a configured provider's models and time the round trip; a clear error when it cannot."""
    spec = PROVIDERS[provider]
    try:
        endpoint = config.endpoint(provider, connect_timeout=timeout_s, read_timeout=timeout_s)
    except SwitchboardError as e:  # not configured: say which variable to set
        return HealthCheck(provider, ok=False, error=redact(str(e)))
    return _timed_listing(provider, spec.impl(endpoint))


def check_endpoint(base_url: str, api_key: str | None = None, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> HealthCheck:
    """The same check for a custom OpenAI-compatible endpoint (vLLM, LM Studio, a proxy...), sending exactly what
    its models' calls will send: the key given with it, or none."""
    target = public_url(base_url)
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return HealthCheck(target, ok=False, error=f"{target or 'the base URL'} is not an http(s) URL")
    endpoint = own_endpoint(base_url, api_key, connect_timeout=timeout_s, read_timeout=timeout_s)
    return _timed_listing(target, PROVIDERS["openai"].impl(endpoint))


def _timed_listing(target: str, provider: Provider) -> HealthCheck:
    started = time.monotonic()
    try:
        names = provider.list_models()
    except SwitchboardError as e:  # ProviderError or NeedsKeyError, already worded for a user
        elapsed = (time.monotonic() - started) * 1000
        return HealthCheck(target, ok=False, round_trip_ms=elapsed, error=redact(str(e)))
    elapsed = (time.monotonic() - started) * 1000
    return HealthCheck(target, ok=True, models=tuple(names), round_trip_ms=elapsed)
