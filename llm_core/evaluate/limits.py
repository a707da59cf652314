"""Calls at once per provider: the limits a run keeps, and the providers a run calls (its models' and its judge's).

One limit per provider, not per model: a provider's rate limit is on the account, whichever of its models is asked.
"""

from __future__ import annotations

import threading

from ..catalog import Model
from ..providers import PROVIDERS

DEFAULT_CONCURRENCY = 4  # calls at once per provider: enough to be quick, few enough to stay under rate limits


def providers_used(models: list[Model], judge: Model | None = None) -> dict[str, str]:
    """The providers a run calls, id -> label, in the order the models (then the judge) name them."""
    used = [m.provider for m in [*models, *([judge] if judge else [])]]
    return {p: PROVIDERS[p].label for p in dict.fromkeys(used)}


class ProviderLimits:
    """How many calls at once each provider gets: its own limit when one was set, else the default."""

    def __init__(self, default: int | None = None, per_provider: dict[str, int] | None = None):
        self.default = default or DEFAULT_CONCURRENCY
        self.per_provider = dict(per_provider or {})

    def limit(self, provider: str) -> int:
        """Calls at once for `provider` (at least 1)."""
        return max(1, int(self.per_provider.get(provider, self.default)))

    def gates(self, providers: set[str]) -> dict[str, threading.BoundedSemaphore]:
        """One gate per provider, shared by every call to it (answers and judge calls alike)."""
        return {p: threading.BoundedSemaphore(self.limit(p)) for p in providers}
