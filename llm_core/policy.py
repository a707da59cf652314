"""How hard to try: attempts, backoff and timeouts, configurable by argument or environment."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields

from .errors import OptionsError, SwitchboardError

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
            variable = ENV_PREFIX + f.name.upper()
            raw = os.environ.get(variable)
            if raw:
                values[f.name] = _attempts(variable, raw) if f.type == "int" else _seconds(variable, raw, f.name)
        return cls(**values)

    def backoff(self, attempt: int) -> float:
        """Exponential backoff before retry number `attempt` (1-based), capped."""
        return min(self.max_backoff_s, self.initial_backoff_s * 2 ** (attempt - 1))


def _attempts(variable: str, raw: str) -> int:
    return whole_number(variable, raw, hint="one attempt, no retry", example="3")


def whole_number(
    variable: str,
    raw: str,
    *,
    least: int = 1,
    unit: str = "",
    hint: str = "",
    example: str = "3",
    error: type[SwitchboardError] = OptionsError,
) -> int:
    """The environment variable `variable`'s value `raw` as a whole number of at least `least`; else `error` naming
    the variable and a value to set it to."""
    what = f"whole number of {unit}" if unit else "whole number"
    try:
        value = int(raw)
    except ValueError as e:
        raise error(f"{variable}={raw!r} is not a {what}: set it to {least} or more, e.g. {example}") from e
    if value < least:
        why = f" ({hint})" if hint else ""
        raise error(f"{variable}={raw!r} must be at least {least}{why}: set it to e.g. {example}")
    return value


def _seconds(variable: str, raw: str, name: str) -> float:
    """Seconds as a finite number: nan and inf would switch the limit off without a word."""
    try:
        value = float(raw)
    except ValueError as e:
        raise OptionsError(f"{variable}={raw!r} is not a number of seconds: set it to e.g. 30") from e
    is_timeout = name.endswith("timeout_s")  # a zero timeout fails every call; a zero backoff is fine
    if not math.isfinite(value) or value < 0 or (is_timeout and value == 0):
        least = "more than 0" if is_timeout else "0 or more"
        raise OptionsError(f"{variable}={raw!r} must be a finite number of seconds, {least}: set it to e.g. 30")
    return value
