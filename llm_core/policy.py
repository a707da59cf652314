"""How hard to try: attempts, backoff and timeouts, configurable by argument or environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from .errors import OptionsError

ENV_PREFIX = "SWITCHBOARD_"


@dataclass(frozen=True)
class Policy:
    """Retry and timeout settings for one call (seconds). Retries happen only before the first token."""

    max_attempts: int = 3
    initial_backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    max_retry_after_s: float = 30.0  # a Retry-After longer than this fails at once, saying how long to wait
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0  # longest silence between two chunks
    total_timeout_s: float = 300.0

    @classmethod
    def from_env(cls) -> Policy:
        """Defaults, overridden by SWITCHBOARD_MAX_ATTEMPTS, SWITCHBOARD_TOTAL_TIMEOUT_S and friends."""
        values = {}
        for f in fields(cls):
            raw = os.environ.get(ENV_PREFIX + f.name.upper())
            if raw:
                try:
                    values[f.name] = int(raw) if f.type == "int" else float(raw)
                except ValueError as e:
                    raise OptionsError(f"{ENV_PREFIX}{f.name.upper()}={raw!r} is not a number") from e
        policy = cls(**values)
        if policy.max_attempts < 1 or min(policy.connect_timeout_s, policy.read_timeout_s, policy.total_timeout_s) <= 0:
            raise OptionsError("max_attempts must be at least 1 and every timeout positive")
        return policy

    def backoff(self, attempt: int) -> float:
        """Exponential backoff before retry number `attempt` (1-based), capped."""
        return min(self.max_backoff_s, self.initial_backoff_s * 2 ** (attempt - 1))
