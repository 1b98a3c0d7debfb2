"""/v1/webhook-endpoints: a tenant's receivers of Standard Webhooks, their secrets, test events, delivery log and
redelivery, over video_assets/webhooks/endpoints.py. Managing endpoints takes the `submit` scope; reading, `read`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from video_assets.api.deps import scoped, settings_of
from video_assets.api.intake import JsonText, parsed_json
from video_assets.api.openapi import json_body
from video_assets.api.problems import Problem, pointer, problem_responses, refused
from video_assets.db.engine import session_scope
from video_assets.request_json import describe_validation_error
from video_assets.service.keys import Principal
from video_assets.submission import submit_fetch_policy
from video_assets.webhooks.endpoints import (
    EndpointNotFound,
    EndpointRefused,
    EndpointSpec,
    delete_endpoint,
    delivery_log,
    endpoint_view,
    find_endpoint,
    redeliver,
    register_endpoint,
    rotate_secret,
    send_test,
    tenant_endpoints,
)

router = APIRouter(prefix="/v1/webhook-endpoints", tags=["webhooks"], responses=problem_responses(400, 401, 403, 429))
UNKNOWN = problem_responses(404)
ENDPOINT_BODY = json_body(EndpointSpec.model_json_schema())
Manager = Annotated[Principal, Depends(scoped("submit"))]
Reader = Annotated[Principal, Depends(scoped("read"))]


@contextmanager
def tenant_session(request: Request) -> Iterator[Session]:
    """A transaction in which an unknown (or another tenant's) endpoint or delivery answers 404."""
    try:
        with session_scope(settings_of(request).database_url.get_secret_value()) as session:
            yield session
    except EndpointNotFound as missing:
        raise Problem(404, "Not Found", str(missing)) from None


def endpoint_spec(text: str) -> EndpointSpec:
    raw = parsed_json(text, 4)
    if not isinstance(raw, dict):
        detail = f"an endpoint is a JSON object, not {type(raw).__name__}"
        raise Problem(400, "Bad Request", detail, [("", detail)])
    try:
        return EndpointSpec.model_validate(raw)
    except ValidationError as error:
        raise refused(422, "Invalid Endpoint", describe_validation_error(error)) from None


@router.post("", status_code=201, openapi_extra=ENDPOINT_BODY, responses=problem_responses(413, 415, 422))
def create_endpoint(request: Request, principal: Manager, text: JsonText) -> JSONResponse:
    """Register a receiver; the answer carries its signing secret (`whsec_...`), shown this once. A URL that
    resolves to a private, loopback or link-local address not allow-listed for downloads is refused."""
    spec = endpoint_spec(text)
    policy = submit_fetch_policy(settings_of(request))
    try:
        with tenant_session(request) as session:
            endpoint, secret = register_endpoint(session, principal.tenant, spec, policy)
            body = {**endpoint_view(endpoint), "secret": secret}
    except EndpointRefused as refusal:
        raise Problem(422, "Endpoint Refused", refusal.reason, [(pointer(refusal.field), refusal.reason)]) from None
    request.state.target = endpoint.id
    return JSONResponse(body, status_code=201, headers={"Location": f"/v1/webhook-endpoints/{endpoint.id}"})


@router.get("")
def list_endpoints(request: Request, principal: Reader) -> dict[str, Any]:
    with tenant_session(request) as session:
        return {"endpoints": [endpoint_view(e) for e in tenant_endpoints(session, principal.tenant)]}


@router.get("/{endpoint_id}", responses=UNKNOWN)
def get_endpoint(request: Request, endpoint_id: str, principal: Reader) -> dict[str, Any]:
    with tenant_session(request) as session:
        return endpoint_view(find_endpoint(session, principal.tenant, endpoint_id))


@router.delete("/{endpoint_id}", status_code=204, response_class=Response, responses=UNKNOWN)
def remove_endpoint(request: Request, endpoint_id: str, principal: Manager) -> Response:
    """The endpoint and its pending deliveries go; nothing more is sent to it."""
    return _acted(request, endpoint_id, lambda session: delete_endpoint(session, principal.tenant, endpoint_id), 204)


@router.post("/{endpoint_id}/rotate-secret", responses=UNKNOWN)
def rotate_endpoint_secret(request: Request, endpoint_id: str, principal: Manager) -> Response:
    """A new secret, shown this once; the old one also signs for 24 hours so receivers can switch over."""
    return _acted(request, endpoint_id, lambda s: {"secret": rotate_secret(s, principal.tenant, endpoint_id)}, 200)


@router.post("/{endpoint_id}/test", status_code=202, responses=UNKNOWN)
def test_endpoint(request: Request, endpoint_id: str, principal: Manager) -> Response:
    """Queue a `webhook.test` event for this endpoint alone; follow it in the delivery log."""
    return _acted(request, endpoint_id, lambda s: {"delivery_id": send_test(s, principal.tenant, endpoint_id)}, 202)


@router.get("/{endpoint_id}/deliveries", responses=UNKNOWN)
def list_deliveries(
    request: Request,
    endpoint_id: str,
    principal: Reader,
    state: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The endpoint (its status says `failing` once a delivery gave up, and why) and its deliveries, newest first:
    state, attempts, the last answer's status and start."""
    with tenant_session(request) as session:
        endpoint = endpoint_view(find_endpoint(session, principal.tenant, endpoint_id))
        return {"endpoint": endpoint, "deliveries": delivery_log(session, principal.tenant, endpoint_id, state, limit)}


@router.post("/{endpoint_id}/deliveries/{delivery_id}/redeliver", status_code=202, responses=UNKNOWN)
def redeliver_delivery(request: Request, endpoint_id: str, delivery_id: str, principal: Manager) -> Response:
    """Send the delivery again with the same `webhook-id` and a fresh retry window."""
    return _acted(request, endpoint_id, lambda s: redeliver(s, principal.tenant, endpoint_id, delivery_id), 202)


def _acted(request: Request, endpoint_id: str, action: Callable[[Session], Any], status_code: int) -> Response:
    request.state.target = endpoint_id
    with tenant_session(request) as session:
        body = action(session)
    return Response(status_code=204) if body is None else JSONResponse(body, status_code=status_code)
