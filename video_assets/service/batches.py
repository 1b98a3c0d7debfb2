"""Batches: up to MAX_BATCH_ITEMS requests submitted in one call, each validated and stored on its own. A batch
remembers, per item, the request it became or the problem it was refused with, and rolls its requests up.

`tenant` scopes what a caller sees, as for requests: another tenant's batch is reported exactly like an unknown id."""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from video_assets.db.api_models import ApiBatch, ApiBatchItem
from video_assets.db.models import VideoRequest
from video_assets.db.repository import TERMINAL_STATUSES

MAX_BATCH_ITEMS = 50


class BatchNotFound(LookupError):
    pass


def open_batch(session: Session, tenant: str) -> str:
    batch = ApiBatch(id=f"bat_{secrets.token_hex(12)}", tenant=tenant)
    session.add(batch)
    session.flush()
    return batch.id


def record_item(
    session: Session, batch_id: str, position: int, request_id: str | None, problem: dict[str, Any] | None
) -> None:
    session.add(ApiBatchItem(batch_id=batch_id, position=position, request_id=request_id, problem=problem))
    session.flush()


def batch_rollup(session: Session, batch_id: str, tenant: str | None = None) -> dict[str, Any]:
    """Each item's request (status, stage, progress) or problem, the count of requests per status, and `ended`
    once every stored request has reached a final status."""
    batch = session.get(ApiBatch, batch_id)
    if batch is None or (tenant is not None and batch.tenant != tenant):
        raise BatchNotFound(f"no batch with id {batch_id!r}")
    items = list(
        session.scalars(select(ApiBatchItem).where(ApiBatchItem.batch_id == batch_id).order_by(ApiBatchItem.position))
    )
    ids = [item.request_id for item in items if item.request_id]
    requests = {
        row.id: row
        for row in session.execute(
            select(VideoRequest.id, VideoRequest.status, VideoRequest.stage, VideoRequest.progress).where(
                VideoRequest.id.in_(ids)
            )
        )
    }
    answered = []
    for item in items:
        if item.request_id is None:
            answered.append({"index": item.position, "problem": item.problem})
            continue
        row = requests[item.request_id]
        answered.append(
            {
                "index": item.position,
                "id": row.id,
                "status": row.status,
                "stage": row.stage,
                "progress": round(row.progress, 3),
            }
        )
    statuses = Counter(row.status for row in requests.values())
    return {
        "id": batch.id,
        "created_at": batch.created_at.isoformat(),
        "size": len(items),
        "accepted": len(ids),
        "refused": len(items) - len(ids),
        "statuses": dict(sorted(statuses.items())),
        "ended": all(status in TERMINAL_STATUSES for status in statuses),
        "items": answered,
    }
