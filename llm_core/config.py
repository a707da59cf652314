"""One place finds keys and endpoints: this session, then Streamlit secrets, then the environment."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import NeedsKeyError
from .providers import PROVIDERS, Endpoint, ProviderSpec
from .redact import mask, public_url, register_secret
from .store.backend import use_secrets as use_database_secrets

PROBE_TTL_S = 30.0  # how long a local server's answer (or silence) is trusted
PROBE_TIMEOUT_S = 0.4  # a local server answers at once; a page must not wait on one that is not there

_app_secrets: dict[str, str] = {}
_probes: dict[str, tuple[float, tuple[str, ...] | None]] = {}
_probes_lock = threading.Lock()


def configure(secrets: Mapping | None = None) -> None:
    """Hand llm_core the app's settings (st.secrets) once at start; only top-level strings are used."""
    _app_secrets.clear()
    for name, value in (secrets or {}).items():
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            _app_secrets[str(name)] = str(value)
            if _is_secret_name(str(name)):
                register_secret(str(value))
    use_database_secrets(secrets)  # SWITCHBOARD_DATABASE_URL or [connections.switchboard]: a nested table


def _is_secret_name(name: str) -> bool:
    """Keys and tokens are secrets; base URLs and other settings are not (they help explain errors)."""
    return any(word in name.upper() for word in ("KEY", "TOKEN", "SECRET", "PASSWORD"))


@dataclass(frozen=True)
class Setting:
    """A configuration value and where it came from (never print `value`; use `masked`)."""

    name: str
    value: str | None
    source: str  # "session", "secrets", "environment" or "" when unset

    @property
    def masked(self) -> str:
        return mask(self.value)


@dataclass(frozen=True)
class ProviderStatus:
    """Whether a provider can be called, and what to set when it cannot."""

    name: str
    label: str
    configured: bool
    key: Setting | None
    base_url: str | None
    hint: str  # what to do when not configured, "" otherwise


class Config:
    """Looks settings up in order: explicit session values, Streamlit secrets, then the environment."""

    def __init__(self, session: Mapping[str, str] | None = None, secrets: Mapping[str, str] | None = None):
        self.session = {k: v for k, v in (session or {}).items() if v}
        self.secrets = dict(_app_secrets if secrets is None else secrets)
        for name, value in self.session.items():
            if _is_secret_name(name):
                register_secret(value)

    def lookup(self, name: str) -> Setting:
        """The first place that sets `name`, or an unset Setting."""
        for source, values in (("session", self.session), ("secrets", self.secrets), ("environment", os.environ)):
            value = values.get(name)
            if value:
                if source == "environment" and _is_secret_name(name):
                    register_secret(value)
                return Setting(name, value, source)
        return Setting(name, None, "")

    def key_for(self, spec: ProviderSpec) -> Setting | None:
        """The provider's key setting, trying each accepted variable; None when none is set."""
        for variable in spec.key_vars:
            setting = self.lookup(variable)
            if setting.value:
                return setting
        return None

    def base_url_for(self, spec: ProviderSpec) -> str | None:
        """The base URL to call: configured, else the provider's default (with its OpenAI path)."""
        configured = self.lookup(spec.base_url_var).value if spec.base_url_var else None
        base = (configured or spec.default_base_url or "").rstrip("/")
        if not base:
            return None
        if spec.openai_path and not base.endswith(spec.openai_path):
            base += spec.openai_path
        return base

    def key_to_send(self, spec: ProviderSpec) -> Setting | None:
        """The key the provider's calls carry: none from secrets or the environment to a base URL set in this
        session (a visitor's server must never receive the operator's key); None when there is no key to send."""
        key = self.key_for(spec)
        if key is not None and key.source != "session" and self._base_url_from_session(spec):
            return None
        return key

    def status(self, provider: str) -> ProviderStatus:
        """Configured or not, with what to do: the variable to set, or the local server to start."""
        spec = PROVIDERS[provider]
        key, base_url = self.key_to_send(spec), self.base_url_for(spec)
        if spec.needs_key and key is None:
            hint = self._key_hint(spec)
        elif spec.probe_path and local_server_models(spec, base_url) is None:
            hint = not_running_hint(spec, base_url)
        else:
            hint = ""
        return ProviderStatus(spec.name, spec.label, not hint, key, base_url, hint)

    def endpoint(self, provider: str, **overrides) -> Endpoint:
        """A ready Endpoint for a provider, or NeedsKeyError naming the variable to set."""
        spec = PROVIDERS[provider]
        key = self.key_to_send(spec)
        if key is None and spec.needs_key:
            error = NeedsKeyError(spec.label, spec.key_vars[0])
            if self._base_url_from_session(spec):
                error.args = (f"{spec.label} is not configured for this session: {self._key_hint(spec)}.",)
            raise error
        base_url = self.base_url_for(spec)
        api_key = key.value if key else spec.placeholder_key
        naming = spec.naming(base_url_configured=base_url is not None)
        return Endpoint(api_key=api_key, base_url=base_url, settings=naming, **overrides)

    def _base_url_from_session(self, spec: ProviderSpec) -> bool:
        return bool(spec.base_url_var) and self.lookup(spec.base_url_var).source == "session"

    def _key_hint(self, spec: ProviderSpec) -> str:
        if self._base_url_from_session(spec):
            return (
                f"set {spec.key_vars[0]} on the Settings page too: a base URL set in this session "
                "is sent only a key set in this session"
            )
        return f"set {spec.key_vars[0]} (environment, secrets.toml, or the Settings page)"


def local_server_models(spec: ProviderSpec, base_url: str | None) -> tuple[str, ...] | None:
    """The models a keyless local server (Ollama) lists at its probe path; None when none answers there.

    Asked at most once per PROBE_TTL_S for each URL: every page run and every picker asks.
    """
    if not base_url or not spec.probe_path:
        return None
    with _probes_lock:
        cached = _probes.get(base_url)
    if cached and time.monotonic() - cached[0] < PROBE_TTL_S:
        return cached[1]
    models = _probe(_server_root(spec, base_url) + spec.probe_path)
    with _probes_lock:
        _probes[base_url] = (time.monotonic(), models)
    return models


def not_running_hint(spec: ProviderSpec, base_url: str | None) -> str:
    """What to do when a keyless local server does not answer, naming where it was looked for."""
    name = spec.label.split(" (")[0]
    where = public_url(_server_root(spec, base_url or ""))
    return f"{name} is not running at {where}: start it, or set {spec.base_url_var} to where it runs"


def _server_root(spec: ProviderSpec, base_url: str) -> str:
    return base_url.removesuffix(spec.openai_path) if spec.openai_path else base_url


def _probe(url: str) -> tuple[str, ...] | None:
    """The model names in an Ollama-style listing ({"models": [{"name": ...}]}) at url; None when nothing answers."""
    import httpx  # on first use: importing llm_core stays light

    try:
        reply = httpx.get(url, timeout=PROBE_TIMEOUT_S)
        reply.raise_for_status()
        listed = reply.json().get("models", [])
        return tuple(m["name"] for m in listed if isinstance(m, dict) and isinstance(m.get("name"), str))
    except (httpx.HTTPError, ValueError, AttributeError, TypeError):  # no server, or not one that speaks this
        return None
