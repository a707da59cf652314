"""Who may read the Analytics page: its password, from Streamlit secrets or the environment, checked in constant time.

Streamlit-free; the page asks here and keeps only what `unlocked_token` returns, never the password itself.
Wrong passwords are throttled for the whole server, not per browser session (a guesser opens a new session at
will): after FAILURES_ALLOWED wrong ones within WINDOW_S, no attempt is checked until the oldest of them is that old.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

from ..config import Config

ANALYTICS_PASSWORD_VARIABLE = "SWITCHBOARD_ANALYTICS_PASSWORD"
_PROCESS_KEY = secrets.token_bytes(32)  # tokens made by this server only, worthless to anyone who reads one
FAILURES_ALLOWED = 5  # wrong passwords within WINDOW_S before attempts wait: 7,200 guesses a day at the most
WINDOW_S = 60.0


def analytics_password() -> str | None:
    """The password guarding Analytics, from Streamlit secrets or the environment; None when unset."""
    # No session values: whoever sits at the browser sets those, so they cannot be what locks the page.
    return Config(session={}).lookup(ANALYTICS_PASSWORD_VARIABLE).value


def password_matches(attempt: str, password: str) -> bool:
    """Whether `attempt` is the password, compared in constant time."""
    return hmac.compare_digest(attempt.encode(), password.encode())


def unlocked_token(password: str) -> str:
    """What a browser session keeps once unlocked: a keyed digest of the password (so a changed one locks again)."""
    return hmac.new(_PROCESS_KEY, password.encode(), hashlib.sha256).hexdigest()


def is_unlocked(token: str | None, password: str) -> bool:
    """Whether a session's token was made from this password."""
    return token is not None and hmac.compare_digest(token, unlocked_token(password))


class Throttle:
    """Wrong-password attempts of the last `window_s` seconds, across every session of this server."""

    def __init__(self, allowed: int = FAILURES_ALLOWED, window_s: float = WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.allowed, self.window_s, self.clock = allowed, window_s, clock
        self._failures: deque[float] = deque()
        self._lock = threading.Lock()  # sessions run on threads of their own

    def wait_s(self) -> float:
        """Seconds before another attempt may be checked; 0 when one may be checked now."""
        with self._lock:
            now = self.clock()
            while self._failures and now - self._failures[0] >= self.window_s:
                self._failures.popleft()
            if len(self._failures) < self.allowed:
                return 0.0
            return self.window_s - (now - self._failures[0])

    def failed(self) -> None:
        """Count one wrong password."""
        with self._lock:
            self._failures.append(self.clock())

    def forget(self) -> None:
        """No failures remembered (a restart does the same)."""
        with self._lock:
            self._failures.clear()


attempts = Throttle()  # the server's one throttle
