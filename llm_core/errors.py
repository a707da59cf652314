"""Every error Switchboard raises on purpose: one family, each with a message that says what to do."""

from __future__ import annotations


class SwitchboardError(Exception):
    """Base class: the message is meant to be shown to a user as it is."""


class CatalogError(SwitchboardError):
    """The model catalog (shipped or user file) is invalid, or a model name is unknown."""


class UnknownModelError(CatalogError):
    """A model id that is neither in the catalog nor of the form provider:model."""


class OptionsError(SwitchboardError):
    """Generation options out of bounds or unknown."""


class TemplateError(SwitchboardError):
    """A prompt template is missing, malformed, or has an unknown placeholder."""


class NeedsKeyError(SwitchboardError):
    """The provider needs an API key that is not configured."""

    def __init__(self, provider: str, variable: str):
        self.provider = provider
        self.variable = variable
        super().__init__(
            f"{provider} is not configured: set {variable} in the environment, "
            f"in .streamlit/secrets.toml, or on the Settings page."
        )


class ContextTooLongError(SwitchboardError):
    """The conversation does not fit the model's context window."""


class ProviderError(SwitchboardError):
    """A provider call failed. `kind` says how, `retryable` whether trying again may help.

    kinds: auth, rate_limit, server, connection, timeout, not_found, bad_request, cancelled, other
    """

    RETRYABLE_KINDS = frozenset({"rate_limit", "server", "connection", "timeout"})

    def __init__(
        self,
        message: str,
        *,
        kind: str = "other",
        status_code: int | None = None,
        retry_after: float | None = None,
        provider: str | None = None,
    ):
        self.kind = kind
        self.status_code = status_code
        self.retry_after = retry_after
        self.provider = provider
        super().__init__(message)

    @property
    def retryable(self) -> bool:
        return self.kind in self.RETRYABLE_KINDS


class StreamCutError(ProviderError):
    """The stream ended before the provider's finish signal."""

    def __init__(self, message: str = "the stream was cut before the model finished", **kw):
        kw.setdefault("kind", "connection")
        super().__init__(message, **kw)
