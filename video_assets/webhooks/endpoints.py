"""Webhook endpoints of a tenant: register (the URL vetted by the downloads' SSRF rules), list, delete, rotate the
secret, send a test event, read the delivery log and redeliver. Another tenant's endpoint is reported exactly like
an unknown id."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta
from typing import Any

from pydantic import Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from video_assets.db.models import utcnow
from video_assets.db.webhook_models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from video_assets.media.errors import MaterialRejected
from video_assets.media.fetch_policy import FetchPolicy
from video_assets.media.http_download import vet_url
from video_assets.request_schema import StrictModel
from video_assets.webhooks.outbox import EVENT_TYPES, TEST_EVENT, enqueue

MAX_ENDPOINTS_PER_TENANT = 20
# How long the secret before a rotation still signs deliveries, so that receivers can switch over.
ROTATION_GRACE = timedelta(hours=24)
DELIVERY_STATES = ("pending", "delivered", "failed")


class EndpointNotFound(LookupError):
    pass


class EndpointRefused(ValueError):
    """The endpoint cannot be registered; `field` is the body member at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


class EndpointSpec(StrictModel):
    url: str = Field(
        min_length=1, max_length=2048, pattern=r"^https?://", description="http(s) URL the events are POSTed to"
    )
    event_types: list[str] = Field(
        default_factory=list, max_length=len(EVENT_TYPES), description="event types to send; empty means all"
    )
    description: str = Field(default="", max_length=500)

    @field_validator("event_types")
    @classmethod
    def _known_types(cls, types: list[str]) -> list[str]:
        unknown = [name for name in types if name not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown event types {unknown} (known: {', '.join(EVENT_TYPES)})")
        return list(dict.fromkeys(types))


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def url_refusal(url: str, policy: FetchPolicy) -> str | None:
    """Why deliveries to `url` would be refused now (scheme, credentials, a private address not allow-listed, a
    name that does not resolve), or None."""
    try:
        vet_url(url, policy)
    except MaterialRejected as refused:
        return refused.reason
    return None


def register_endpoint(
    session: Session, tenant: str, spec: EndpointSpec, policy: FetchPolicy
) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its secret, which is never shown again."""
    refusal = url_refusal(spec.url, policy)
    if refusal:
        raise EndpointRefused("url", refusal)
    count = session.scalar(select(func.count()).where(WebhookEndpoint.tenant == tenant)) or 0
    if count >= MAX_ENDPOINTS_PER_TENANT:
        raise EndpointRefused("url", f"tenant {tenant} has {count} endpoints, the most allowed; delete one first")
    secret = new_secret()
    endpoint = WebhookEndpoint(
        id=f"we_{secrets.token_hex(10)}",
        tenant=tenant,
        url=spec.url,
        description=spec.description,
        event_types=spec.event_types,
        secret=secret,
        status="active",
    )
    session.add(endpoint)
    session.flush()
    return endpoint, secret


def endpoint_view(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types or list(EVENT_TYPES),
        "status": endpoint.status,
        "failing_since": endpoint.failing_since.isoformat() if endpoint.failing_since else None,
        "failing_reason": endpoint.failing_reason,
        "created_at": endpoint.created_at.isoformat(),
    }


def tenant_endpoints(session: Session, tenant: str) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.tenant == tenant).order_by(WebhookEndpoint.created_at)
    return list(session.scalars(query))


def find_endpoint(session: Session, tenant: str, endpoint_id: str) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.tenant != tenant:
        raise EndpointNotFound(f"no webhook endpoint with id {endpoint_id!r}")
    return endpoint


def delete_endpoint(session: Session, tenant: str, endpoint_id: str) -> None:
    """Its pending deliveries go with it (cascade)."""
    session.delete(find_endpoint(session, tenant, endpoint_id))


def rotate_secret(session: Session, tenant: str, endpoint_id: str) -> str:
    """A new secret; the old one also signs for ROTATION_GRACE, so no delivery fails verification meanwhile."""
    endpoint = find_endpoint(session, tenant, endpoint_id)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = utcnow() + ROTATION_GRACE
    endpoint.secret = new_secret()
    return endpoint.secret


def send_test(session: Session, tenant: str, endpoint_id: str) -> str:
    """A `webhook.test` event to this endpoint alone; returns its delivery's id."""
    endpoint = find_endpoint(session, tenant, endpoint_id)
    event = enqueue(session, tenant, endpoint.id, TEST_EVENT, {"endpoint_id": endpoint.id}, endpoints=[endpoint])
    assert event is not None  # an explicit endpoint always gets the event
    session.flush()
    return session.scalars(select(WebhookDelivery.id).where(WebhookDelivery.event_id == event.id)).one()


def delivery_view(delivery: WebhookDelivery, event: WebhookEvent) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event_type": event.type,
        "subject": delivery.subject,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "last_status": delivery.last_status,
        "last_answer": delivery.last_answer,
        "last_attempt_at": delivery.last_attempt_at.isoformat() if delivery.last_attempt_at else None,
        "next_attempt_at": delivery.next_attempt_at.isoformat() if delivery.state == "pending" else None,
        "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
        "created_at": delivery.created_at.isoformat(),
        "payload": event.payload,
    }


def delivery_log(
    session: Session, tenant: str, endpoint_id: str, state: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The endpoint's deliveries, newest first."""
    endpoint = find_endpoint(session, tenant, endpoint_id)
    query = (
        select(WebhookDelivery, WebhookEvent)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.event_id.desc())
        .limit(limit)
    )
    if state:
        query = query.where(WebhookDelivery.state == state)
    return [delivery_view(delivery, event) for delivery, event in session.execute(query)]


def redeliver(session: Session, tenant: str, endpoint_id: str, delivery_id: str) -> dict[str, Any]:
    """Send the delivery again, with the same `webhook-id` and a fresh retry window."""
    endpoint = find_endpoint(session, tenant, endpoint_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise EndpointNotFound(f"no delivery with id {delivery_id!r} on endpoint {endpoint_id}")
    now = utcnow()
    delivery.state, delivery.window_start, delivery.next_attempt_at = "pending", now, now
    delivery.delivered_at = None
    return delivery_view(delivery, session.get_one(WebhookEvent, delivery.event_id))
