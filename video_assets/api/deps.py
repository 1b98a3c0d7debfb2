"""What every /v1 route depends on: the settings, the object store, the caller's key (and its scope) and the
tenant's request rate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from video_assets.api.problems import Problem
from video_assets.db.engine import autocommit_scope
from video_assets.service.keys import Principal, authenticate
from video_assets.service.usage import Usage, take
from video_assets.settings import Settings
from video_assets.storage import ObjectStore


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def store_of(request: Request) -> ObjectStore:
    return request.app.state.store()


def caller(
    request: Request,
    authorization: Annotated[str | None, Header(description="`Bearer va_...`")] = None,
    x_api_key: Annotated[str | None, Header(description="the key alone, for clients of the old system")] = None,
) -> Principal:
    """The key's principal, after counting the call against its tenant's rate. 401 without a live key."""
    key = (authorization or "").removeprefix("Bearer ").strip() if authorization else (x_api_key or "").strip()
    settings = settings_of(request)
    with autocommit_scope(settings.database_url.get_secret_value()) as session:
        found = authenticate(session, key) if key else None
        if found is None:
            raise Problem(
                401,
                "Unauthorized",
                "send a live API key as `Authorization: Bearer va_...` or `X-API-Key`",
                headers={"WWW-Authenticate": "Bearer"},
            )
        request.state.principal = found
        usage = count_call(session, settings, found)
    request.state.rate_headers = rate_headers(usage, settings.api_rate_window_seconds)
    if not usage.allowed:
        raise Problem(
            429,
            "Too Many Requests",
            f"tenant {found.tenant} made {usage.used:g} calls in this {settings.api_rate_window_seconds}s window",
            headers={"Retry-After": str(usage.reset_seconds)},
        )
    return found


def count_call(session: Session, settings: Settings, principal: Principal) -> Usage:
    """One statement in autocommit: every call of the tenant counts on this one row."""
    limit = principal.rate_per_window if principal.rate_per_window is not None else settings.api_rate_per_minute
    return take(session, principal.tenant, "requests", 1, limit, settings.api_rate_window_seconds, datetime.now(UTC))


def rate_headers(usage: Usage, window_seconds: int) -> dict[str, str]:
    """IETF RateLimit headers (draft 10): what is left of the quota in this window and when it resets."""
    remaining = max(0, int(usage.limit - usage.used))
    return {
        "RateLimit": f'"default";r={remaining};t={usage.reset_seconds}',
        "RateLimit-Policy": f'"default";q={int(usage.limit)};w={window_seconds}',
    }


def scoped(scope: str) -> Callable[..., Principal]:
    """A dependency that lets through keys with `scope` (or `admin`), answering 403 to the others."""

    def check(principal: Annotated[Principal, Depends(caller)]) -> Principal:
        if scope not in principal.scopes and not principal.is_admin:
            raise Problem(403, "Forbidden", f"this key lacks the {scope!r} scope")
        return principal

    return check
