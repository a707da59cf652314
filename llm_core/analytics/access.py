"""Who may read the Analytics page: its password, from Streamlit secrets or the environment, checked in constant time.

Streamlit-free; the page asks here and keeps only what `unlocked_token` returns, never the password itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from ..config import Config

ANALYTICS_PASSWORD_VARIABLE = "SWITCHBOARD_ANALYTICS_PASSWORD"
_PROCESS_KEY = secrets.token_bytes(32)  # tokens made by this server only, worthless to anyone who reads one


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
