"""What the submit and reconcile halves of the external merge share: their context and the video row updates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from video_assets.db.models import RenderedVideo, utcnow
from video_assets.merge import MergeBackend
from video_assets.storage import ObjectStore, request_key


@dataclass(frozen=True)
class MergeContext:
    database_url: str
    store: ObjectStore
    backend: MergeBackend
    deadline_seconds: int
    workdir: Path


class StoreUnreachable(ValueError):
    """The vendor downloads our materials by URL; a local directory store has no URL it could open."""


def require_reachable_store(store: ObjectStore, backend_name: str) -> None:
    if store.url(request_key("probe", "tmp", "reachability")).startswith("file:"):
        raise StoreUnreachable(
            f"the external merge backend {backend_name!r} downloads materials from the object store, but the "
            "local store has only file:// paths it cannot reach; set VIDEO_ASSETS_STORAGE=s3 (S3/MinIO) or use "
            "VIDEO_ASSETS_MERGE_BACKEND=local"
        )


def video_failed(session: Session, request_id: str, variant_index: int, reason: str) -> None:
    session.execute(
        update(RenderedVideo)
        .where(RenderedVideo.request_id == request_id, RenderedVideo.variant_index == variant_index)
        .values(status="failed", reason=reason, updated_at=utcnow())
    )


def as_utc(value: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=utcnow().tzinfo)
