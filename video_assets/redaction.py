"""Secrets out of every message a provider or vendor can put words into.

Real providers echo the key they were sent (a 401 that repeats the `Authorization` header, an HTML error page with
the request's headers). Such a message is redacted where the error is made, before it is cut, stored, logged, raised
or pickled, so no later place that shows it has to remember to. Each client registers the key it was built with;
anything shaped like a bearer token or a labelled key is masked too, whoever's it is.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

REDACTED = "[redacted]"
# Shorter values are too likely to occur in ordinary text ("test", "abc") to be replaced blindly.
MIN_SECRET_CHARS = 6


def _scheme_token(match: re.Match[str]) -> str:
    # "token limit exceeded" is prose; a credential has a digit or is long.
    value = match.group(3)
    if any(char.isdigit() for char in value) or len(value) >= 20:
        return f"{match.group(1)}{match.group(2)}{REDACTED}"
    return match.group(0)


_SHAPES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # `Authorization: Bearer <token>`, `Basic <base64>`, `Token <token>`
    (re.compile(r"(?i)\b(bearer|basic|token)(\s+)([A-Za-z0-9._~+/=-]{8,})"), _scheme_token),
    # provider key formats: OpenAI/DeepSeek/Anthropic `sk-...`, `pk-...`, `rk-...`, AWS access key ids
    (re.compile(r"\b(?:sk|pk|rk)-[A-Za-z0-9_-]{8,}"), REDACTED),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), REDACTED),
    # `api_key=...`, `"x-api-key": "..."`, `password: ...` in a query string, JSON or a header dump
    (
        re.compile(
            r"(?i)((?:x-)?api[-_ ]?key|access[-_ ]?token|secret(?:[-_ ]?key)?|password|authorization)"
            r"([\"']?\s*[:=]\s*[\"']?)(?!\[redacted\]|(?:bearer|basic|token)\s)([^\s\"'<>,;&]{6,})"
        ),
        rf"\1\2{REDACTED}",
    ),
)

_known: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a configured secret for this process, so `redact` replaces it wherever it appears."""
    if value and len(value) >= MIN_SECRET_CHARS:
        with _lock:
            _known.add(value)


def redact(text: str, *secrets: str) -> str:
    """`text` with every registered secret, every secret given here and everything shaped like a token masked."""
    with _lock:
        known = sorted(_known.union(s for s in secrets if s and len(s) >= MIN_SECRET_CHARS), key=len, reverse=True)
    for secret in known:  # longest first, so a key that contains another is masked whole
        text = text.replace(secret, REDACTED)
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    return text


def excerpt(text: str, limit: int) -> str:
    """A one-line excerpt of a third party's words: redacted first, then cut, so no part of a key survives the cut."""
    flat = " ".join(redact(text).split())
    if not flat:
        return "(empty body)"
    return flat if len(flat) <= limit else flat[:limit] + "..."
