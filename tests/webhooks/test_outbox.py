"""The outbox on Postgres and SQLite: webhook events are written by the repository functions that change a request,
in their transaction, to the endpoints subscribed to them; a batch's completion is written once, by its last request
to end. Nothing is sent here (no deliverer runs)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from video_assets.db.engine import session_scope
from video_assets.db.repository import cancel, create_request, finish, start_stage
from video_assets.db.webhook_models import WebhookDelivery, WebhookEvent
from video_assets.media.fetch_policy import FetchPolicy
from video_assets.request_schema import VideoRequestSpec
from video_assets.service.batches import open_batch, record_item
from video_assets.webhooks.endpoints import EndpointSpec, register_endpoint

TENANT = "outboxed"
LOCAL = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}))
SPEC = VideoRequestSpec(title="t", markdown="m", metadata={"order": "7"})


def endpoint(database_url: str, **fields: object) -> str:
    with session_scope(database_url) as session:
        spec = EndpointSpec.model_validate({"url": "http://127.0.0.1:9/hooks", **fields})
        return register_endpoint(session, TENANT, spec, LOCAL)[0].id


def events(database_url: str) -> list[tuple[str, str, str | None]]:
    with session_scope(database_url) as session:
        rows = session.scalars(select(WebhookEvent).order_by(WebhookEvent.id))
        return [(e.subject, e.type, e.payload["data"].get("stage")) for e in rows]


def test_events_are_written_with_the_state_change_and_only_then(database_url: str) -> None:
    everything = endpoint(database_url)
    finals = endpoint(database_url, event_types=["video.succeeded"])
    with pytest.raises(RuntimeError), session_scope(database_url) as session:
        create_request(session, SPEC, TENANT)
        raise RuntimeError("the transaction fails after the change")
    assert events(database_url) == []

    with session_scope(database_url) as session:
        request_id, _ = create_request(session, SPEC, TENANT)
    for stage in ("media_items", "media_items", "media_analyses"):
        with session_scope(database_url) as session:
            start_stage(session, request_id, stage)
    with session_scope(database_url) as session:
        finish(session, request_id, "completed")
    assert events(database_url) == [
        (request_id, "video.accepted", None),
        (request_id, "video.started", "media_items"),
        (request_id, "video.stage_completed", "media_items"),
        (request_id, "video.stage_completed", "media_analyses"),
        (request_id, "video.succeeded", "media_analyses"),
    ]
    with session_scope(database_url) as session:
        deliveries = session.execute(
            select(WebhookDelivery.endpoint_id, WebhookEvent.type, WebhookEvent.payload).join(
                WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id
            )
        ).all()
    assert len([d for d in deliveries if d.endpoint_id == everything]) == 5
    assert [d.type for d in deliveries if d.endpoint_id == finals] == ["video.succeeded"]
    assert {d.payload["data"]["metadata"]["order"] for d in deliveries} == {"7"}


def test_a_batch_completes_once_when_its_last_request_ends(database_url: str) -> None:
    endpoint(database_url, event_types=["batch.completed"])
    with session_scope(database_url) as session:
        first, _ = create_request(session, SPEC, TENANT)
        second, _ = create_request(session, SPEC, TENANT)
        batch_id = open_batch(session, TENANT)
        record_item(session, batch_id, 0, first, None)
        record_item(session, batch_id, 1, second, None)
        record_item(session, batch_id, 2, None, {"status": 422})
    with session_scope(database_url) as session:
        cancel(session, first, "not needed")
    assert events(database_url) == []
    with session_scope(database_url) as session:
        finish(session, second, "failed", "no material")
    with session_scope(database_url) as session:
        finish(session, first, "completed")  # a step that outlived the cancel changes nothing, and writes nothing
        [event] = session.scalars(select(WebhookEvent)).all()
    assert (event.subject, event.type) == (batch_id, "batch.completed")
    assert event.payload["data"]["statuses"] == {"cancelled": 1, "failed": 1}
