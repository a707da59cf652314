"""Scrub anything that looks like an API key out of text bound for a user or a log."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# Provider key shapes, bearer headers, and key=... query parameters.
_KEY_PATTERNS = [
    re.compile(r"\b(sk-(?:ant-|proj-|or-v1-)?[A-Za-z0-9_\-]{8,})"),
    re.compile(r"\b(gsk_[A-Za-z0-9]{8,})"),
    re.compile(r"\b(AIza[0-9A-Za-z_\-]{20,})"),
    re.compile(r"(?i)(bearer\s+)([A-Za-z0-9_\-\.=]{8,})"),
    re.compile(r"(?i)((?:api[_-]?key|x-api-key|x-goog-api-key|key|token)[\"']?\s*[:=]\s*[\"']?)([A-Za-z0-9_\-\.]{8,})"),
    re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://[^\s:/@]*:)([^\s/@]+)(?=@)"),  # a password in a URL: scheme://user:pw@
]
_known_secrets: set[str] = set()
# A key this short could be part of any word ("k" in "chunked"): it is scrubbed where it stands alone.
_WHOLE_TOKEN_BELOW = 8


def register_secret(value: str | None) -> None:
    """Remember a configured key so it is scrubbed even when it has no known shape, however short it is."""
    if value and value.strip():
        _known_secrets.update({value, value.strip()})  # as configured, and as sent (a pasted key loses its blanks)


def forget_secrets() -> None:
    """Drop every remembered key (tests; a process that starts over)."""
    _known_secrets.clear()


def _scrub_secret(text: str, secret: str) -> str:
    if len(secret) >= _WHOLE_TOKEN_BELOW:
        return text.replace(secret, "[REDACTED]")
    return re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", "[REDACTED]", text)


def mask(value: str | None) -> str:
    """Show at most the last four characters of a secret."""
    if not value:
        return ""
    return "…" + value[-4:] if len(value) > 8 else "…" * 3


def redact(text: str | None) -> str:
    """Return text with every key-like string replaced by [REDACTED]."""
    if not text:
        return text or ""
    for secret in sorted(_known_secrets, key=len, reverse=True):
        text = _scrub_secret(text, secret)
    for pattern in _KEY_PATTERNS:
        if pattern.groups == 2:
            text = pattern.sub(lambda m: m.group(1) + "[REDACTED]", text)
        else:
            text = pattern.sub("[REDACTED]", text)
    return text


def public_url(url: str | None) -> str:
    """A URL safe to show: scheme, host, port and path; credentials and the query (which may hold a key) dropped."""
    if not url:
        return ""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    shown = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return shown + ("?…" if parts.query else "")
