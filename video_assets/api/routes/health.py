"""The only routes that answer without a key: is the process up, and can it serve."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from sensors.readiness import NOT_CONFIGURED, dagster_checks
from video_assets.api.deps import settings_of, store_of
from video_assets.db.engine import session_scope

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """On the event loop: the process answers even while every handler thread is busy."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready: the checks say which part failed"}})
def readyz(request: Request) -> JSONResponse:
    """The database, the object store, the Dagster daemon's heartbeat and the request sensor, each with the reason it
    failed; the last two are `not checked` when this process has no DAGSTER_HOME."""
    checks: dict[str, str] = {}
    try:
        with session_scope(settings_of(request).database_url.get_secret_value()) as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # any failure is the answer here, named for the operator
        checks["database"] = f"unavailable: {type(error).__name__}"
    try:
        store_of(request).exists("readyz-probe")
        checks["object_store"] = "ok"
    except Exception as error:
        checks["object_store"] = f"unavailable: {type(error).__name__}"
    try:
        checks.update(dagster_checks())
    except Exception as error:
        checks["dagster_daemon"] = checks["request_sensor"] = f"unavailable: {type(error).__name__}"
    ready = all(value in ("ok", NOT_CONFIGURED) for value in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)
