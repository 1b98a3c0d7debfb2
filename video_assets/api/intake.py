"""How a request body becomes a stored request over HTTP, for one video (/v1/videos) and for each item of a batch
(/v1/batches): the body read as JSON of the right type, the request validated as `video-assets submit` validates
it (and with only materials an HTTP client may name), stored for its tenant, and charged to the daily quota."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from video_assets.api.materials import remote_material_problems
from video_assets.api.problems import Problem, refused
from video_assets.request_json import RequestRejected, load_json, spec_from
from video_assets.request_schema import VideoRequestSpec
from video_assets.service.keys import Principal
from video_assets.service.requests import RequestRefused, Submitted, submit_request
from video_assets.service.usage import take
from video_assets.settings import Settings


async def json_text(request: Request) -> str:
    """The body as text, after checking its type; the cap is enforced while it is read (middleware)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise Problem(415, "Unsupported Media Type", f"send application/json, not {media_type or 'no content type'}")
    raw = await request.body()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Problem(400, "Bad Request", f"the body is not UTF-8: {error}", [("", "not UTF-8")]) from None


JsonText = Annotated[str, Depends(json_text)]


def rejection(rejected: RequestRejected) -> Problem:
    """400 when the body as a whole is not a request (not JSON, not an object, nested too deep), else 422."""
    whole = all(line.startswith("request: ") for line in rejected.problems)
    return refused(400 if whole else 422, "Bad Request" if whole else "Invalid Request", rejected.problems)


def parsed_json(text: str, max_depth: int) -> Any:
    try:
        return load_json(text, max_depth)
    except RequestRejected as rejected:
        raise rejection(rejected) from None


def checked_spec(raw: Any, tenant: str, settings: Settings) -> VideoRequestSpec:
    """A request by the schema, and with only materials an HTTP client of `tenant` may name."""
    try:
        spec = spec_from(raw)
    except RequestRejected as rejected:
        raise rejection(rejected) from None
    problems = remote_material_problems(spec, tenant, settings)
    if problems:
        raise refused(422, "Invalid Request", problems)
    return spec


def store_request(session: Session, settings: Settings, tenant: str, spec: VideoRequestSpec) -> Submitted:
    """Validate as submit always does and store as pending. The caller then charges it (`charge_output_seconds`) in
    the same transaction: refused, the row is never committed."""
    try:
        return submit_request(session, spec, settings, tenant)
    except RequestRefused as refusal:
        raise refused(422, "Request Cannot Succeed", refusal.problems) from None


def charge_output_seconds(
    session: Session, settings: Settings, principal: Principal, spec: VideoRequestSpec, submitted: Submitted
) -> None:
    """Charge a newly stored request to the tenant's daily output seconds. Call it last before the commit: the
    charge locks the tenant's counter row until then, and every submit of the tenant waits on that row."""
    if not submitted.created:
        return
    own_quota = principal.daily_output_seconds
    quota = own_quota if own_quota is not None else settings.api_daily_output_seconds
    cost = spec.video_count * spec.target_duration
    usage = take(session, principal.tenant, "output_seconds", cost, quota, 86400, datetime.now(UTC))
    if not usage.allowed:
        raise Problem(
            429,
            "Daily Quota Exceeded",
            f"{cost:g} output seconds asked; {max(0.0, quota - usage.used):g} of {quota:g} left today (UTC)",
            [("/video_count", "lower video_count or target_duration"), ("/target_duration", "or wait for the reset")],
            headers={"Retry-After": str(usage.reset_seconds)},
        )
