"""Is an error worth retrying? Connection errors, timeouts, 429 and 5xx are; everything else is permanent.

Stages let transient errors propagate so the step's RetryPolicy runs; only permanent ones become a recorded
failure. The classification walks the exception chain, because domain code wraps third-party errors.
"""

from __future__ import annotations

import socket

from video_assets.db.engine import is_unreachable

TRANSIENT_HTTP_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_TRANSIENT_S3_CODES = frozenset(
    {"RequestTimeout", "SlowDown", "Throttling", "ThrottlingException", "InternalError", "ServiceUnavailable", "503"}
)


class TransientError(Exception):
    """A domain error that says outright that a retry may succeed."""


def is_transient(error: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        flag = getattr(current, "transient", None)
        if isinstance(flag, bool):
            return flag
        if _looks_transient(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _looks_transient(error: BaseException) -> bool:
    if isinstance(error, TransientError | TimeoutError | ConnectionError | socket.timeout) or is_unreachable(error):
        return True
    status = getattr(error, "status_code", None)
    if isinstance(status, int):
        return status in TRANSIENT_HTTP_STATUS
    response = getattr(error, "response", None)
    if isinstance(response, dict):  # botocore ClientError
        code = str(response.get("Error", {}).get("Code", ""))
        http = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return code in _TRANSIENT_S3_CODES or (isinstance(http, int) and http in TRANSIENT_HTTP_STATUS)
    module = type(error).__module__
    name = type(error).__name__
    if module.startswith(("openai", "httpx", "requests", "urllib3", "botocore")):
        return any(word in name for word in ("Timeout", "Connection", "ConnectTimeout", "EndpointConnection"))
    return False
