"""One place finds keys and endpoints: this session, then Streamlit secrets, then the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import NeedsKeyError
from .providers import PROVIDERS, Endpoint, ProviderSpec
from .redact import mask, register_secret

_app_secrets: dict[str, str] = {}


def configure(secrets: Mapping | None = None) -> None:
    """Hand llm_core the app's settings (st.secrets) once at start; only top-level strings are used."""
    _app_secrets.clear()
    for name, value in (secrets or {}).items():
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            _app_secrets[str(name)] = str(value)
            if _is_secret_name(str(name)):
                register_secret(str(value))


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

    def status(self, provider: str) -> ProviderStatus:
        """Configured or not, with the variable to set."""
        spec = PROVIDERS[provider]
        key = self.key_for(spec)
        configured = key is not None or not spec.needs_key
        hint = "" if configured else f"set {spec.key_vars[0]} (environment, secrets.toml, or the Settings page)"
        return ProviderStatus(spec.name, spec.label, configured, key, self.base_url_for(spec), hint)

    def endpoint(self, provider: str, **overrides) -> Endpoint:
        """A ready Endpoint for a provider, or NeedsKeyError naming the variable to set."""
        spec = PROVIDERS[provider]
        key = self.key_for(spec)
        if key is None and spec.needs_key:
            raise NeedsKeyError(spec.label, spec.key_vars[0])
        api_key = key.value if key else spec.placeholder_key
        return Endpoint(api_key=api_key, base_url=self.base_url_for(spec), **overrides)
