"""The outbox: webhook events written in the caller's transaction, so an event exists exactly when the state change
that caused it was committed, whichever process made it (API, sensor, step, reconcile, housekeeping).

Each event gets one delivery row per endpoint of the tenant subscribed to its type; the deliverer
(video_assets/webhooks/deliverer.py) sends them. A tenant with no endpoint gets no rows."""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from video_assets.db.api_models import ApiBatch, ApiBatchItem
from video_assets.db.models import VideoRequest, utcnow
from video_assets.db.webhook_models import WebhookDelivery, WebhookEndpoint, WebhookEvent

EVENT_TYPES = (
    "video.accepted",
    "video.started",
    "video.stage_completed",
    "video.succeeded",
    "video.partially_succeeded",
    "video.failed",
    "video.cancelled",
    "batch.completed",
)
# Sent by POST /v1/webhook-endpoints/{id}/test to that endpoint alone, whatever it subscribed to.
TEST_EVENT = "webhook.test"
FINAL_EVENTS = {
    "completed": "video.succeeded",
    "partial_success": "video.partially_succeeded",
    "failed": "video.failed",
    "cancelled": "video.cancelled",
}
FINAL_STATUSES = frozenset(FINAL_EVENTS)


def new_delivery_id() -> str:
    return f"msg_{secrets.token_hex(12)}"


def subscribed(session: Session, tenant: str, event_type: str) -> list[WebhookEndpoint]:
    endpoints = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.tenant == tenant))
    return [e for e in endpoints if not e.event_types or event_type in e.event_types]


def enqueue(
    session: Session,
    tenant: str,
    subject: str,
    event_type: str,
    data: dict[str, Any],
    endpoints: list[WebhookEndpoint] | None = None,
    dedupe_key: str | None = None,
) -> WebhookEvent | None:
    """Write the event and its deliveries (to `endpoints`, or to every endpoint subscribed to it); None when no
    endpoint wants it."""
    targets = subscribed(session, tenant, event_type) if endpoints is None else endpoints
    if not targets:
        return None
    payload = {"type": event_type, "timestamp": utcnow().isoformat().replace("+00:00", "Z"), "data": data}
    event = WebhookEvent(tenant=tenant, subject=subject, type=event_type, payload=payload, dedupe_key=dedupe_key)
    session.add(event)
    session.flush()
    for endpoint in targets:
        session.add(WebhookDelivery(id=new_delivery_id(), endpoint_id=endpoint.id, event_id=event.id, subject=subject))
    return event


def request_changed(session: Session, request: VideoRequest, event_type: str, stage: str | None = None) -> None:
    """A thin payload: the client fetches the rest through GET /v1/videos/{id}."""
    data = {
        "id": request.id,
        "status": request.status,
        "stage": stage or request.stage,
        "metadata": request.spec.get("metadata") or {},
    }
    enqueue(session, request.tenant, request.id, event_type, data)


def request_ended(session: Session, request: VideoRequest) -> None:
    """The final event of a request, after the last stage's completion when it produced videos, and the batch's
    completion when this was the last of its requests to end."""
    if request.status in ("completed", "partial_success") and request.stage:
        request_changed(session, request, "video.stage_completed")
    request_changed(session, request, FINAL_EVENTS[request.status])
    batch_may_have_ended(session, request.id)


def batch_may_have_ended(session: Session, request_id: str) -> None:
    batch_id = session.scalar(select(ApiBatchItem.batch_id).where(ApiBatchItem.request_id == request_id))
    if batch_id is None:
        return
    # Requests of one batch ending at once in several processes queue on the batch row: the last one to take the
    # lock sees every other request's committed status (READ COMMITTED reads anew after the wait) and writes the
    # event, once (the dedupe key makes a replay a no-op).
    batch = session.scalars(select(ApiBatch).where(ApiBatch.id == batch_id).with_for_update()).one()
    statuses = Counter(
        session.scalars(
            select(VideoRequest.status)
            .join(ApiBatchItem, ApiBatchItem.request_id == VideoRequest.id)
            .where(ApiBatchItem.batch_id == batch_id)
        )
    )
    dedupe_key = f"batch.completed:{batch_id}"
    if not set(statuses) <= FINAL_STATUSES:
        return
    if session.scalar(select(WebhookEvent.id).where(WebhookEvent.dedupe_key == dedupe_key)) is not None:
        return
    data = {"id": batch_id, "status": "completed", "statuses": dict(sorted(statuses.items()))}
    enqueue(session, batch.tenant, batch_id, "batch.completed", data, dedupe_key=dedupe_key)
