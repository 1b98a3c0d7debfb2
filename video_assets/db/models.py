"""Typed SQLAlchemy models. Every natural key has a unique constraint so repeated writes are idempotent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(timezone=True)}


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# The tenant of requests that came in through the CLI, a feed or SQL rather than an API key; admin keys read them.
LOCAL_TENANT = "local"


class VideoRequest(Timestamped, Base):
    __tablename__ = "video_requests"
    # An idempotency key is the submitting tenant's own: two tenants may use the same one.
    __table_args__ = (UniqueConstraint("tenant", "idempotency_key", name="uq_video_requests_tenant_idempotency_key"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), default=LOCAL_TENANT, server_default=LOCAL_TENANT, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(200))
    spec: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(32), default="pending", index=True)
    stage: Mapped[str | None] = mapped_column(String(32))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_key: Mapped[str | None] = mapped_column(String(128))
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    dagster_run_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Touched every few seconds by the process running one of the request's steps (video_assets/heartbeat.py).
    heartbeat_at: Mapped[datetime | None]
    # The W3C traceparent created at intake: the run and every stage of the request are spans of this one trace.
    trace_context: Mapped[str | None] = mapped_column(String(64))


class MediaItem(Timestamped, Base):
    __tablename__ = "media_items"
    __table_args__ = (UniqueConstraint("request_id", "source", name="uq_media_items_request_source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("video_requests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(16), default="request")
    description: Mapped[str | None] = mapped_column(Text)
    context: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str | None] = mapped_column(String(16))
    mime_type: Mapped[str | None] = mapped_column(String(64))
    width: Mapped[int | None]
    height: Mapped[int | None]
    duration: Mapped[float | None]
    fps: Mapped[float | None]
    rotation: Mapped[int | None]
    has_audio: Mapped[bool | None] = mapped_column(Boolean)
    video_codec: Mapped[str | None] = mapped_column(String(32))
    audio_codec: Mapped[str | None] = mapped_column(String(32))
    object_key: Mapped[str | None] = mapped_column(Text)
    thumbnail_key: Mapped[str | None] = mapped_column(Text)
    keyframe_keys: Mapped[list[Any]] = mapped_column(JSON, default=list)


class MediaAnalysis(Timestamped, Base):
    __tablename__ = "media_analyses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    media_item_id: Mapped[int] = mapped_column(ForeignKey("media_items.id", ondelete="CASCADE"), unique=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("video_requests.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    cv_features: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    description: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    backend: Mapped[str] = mapped_column(String(32))
    prompt_version: Mapped[str | None] = mapped_column(String(64))
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class VideoScript(Timestamped, Base):
    __tablename__ = "video_scripts"
    __table_args__ = (UniqueConstraint("request_id", "variant_index", name="uq_video_scripts_request_variant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("video_requests.id", ondelete="CASCADE"), index=True)
    variant_index: Mapped[int]
    style: Mapped[str] = mapped_column(String(40))
    hook: Mapped[str] = mapped_column(Text, default="")
    scenes: Mapped[list[Any]] = mapped_column(JSON)
    planned_duration: Mapped[float]
    coverage: Mapped[dict[str, Any]]
    title: Mapped[str | None] = mapped_column(Text)
    seo: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    backend: Mapped[str] = mapped_column(String(32))
    prompt_version: Mapped[str | None] = mapped_column(String(64))
    # Title, description and tags per target platform, each within that platform's limits.
    platforms: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What the script was written from (never when): a re-run with the same inputs keeps the script, so the LLM is
    # not paid again and the video made from it is neither rendered nor submitted again.
    inputs_digest: Mapped[str | None] = mapped_column(String(64))


class RenderedVideo(Timestamped, Base):
    __tablename__ = "rendered_videos"
    __table_args__ = (UniqueConstraint("request_id", "variant_index", name="uq_rendered_videos_request_variant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("video_requests.id", ondelete="CASCADE"), index=True)
    variant_index: Mapped[int]
    script_id: Mapped[int | None] = mapped_column(ForeignKey("video_scripts.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    backend: Mapped[str] = mapped_column(String(32), default="local")
    video_key: Mapped[str | None] = mapped_column(Text)
    cover_key: Mapped[str | None] = mapped_column(Text)
    ass_key: Mapped[str | None] = mapped_column(Text)
    srt_key: Mapped[str | None] = mapped_column(Text)
    duration: Mapped[float | None]
    planned_duration: Mapped[float | None]
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    width: Mapped[int | None]
    height: Mapped[int | None]
    render_seconds: Mapped[float | None]
    script_digest: Mapped[str | None] = mapped_column(String(64))
    # Platform -> object key of the cover cropped to that platform's aspect.
    cover_keys: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What the render checks read: ffprobe and keyframe measurements of the video, taken before it was uploaded.
    verification: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Seconds per render stage (tts, materials, stills, ffmpeg, covers, verify, upload).
    stage_seconds: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A video that failed its checks, kept for review under requests/<id>/review/ next to its reason.json.
    review_key: Mapped[str | None] = mapped_column(Text)
    # The frame-exact timeline the video was rendered from (render/saved_timeline.py), and the editable exports
    # made from it: export kind (jianying, editor) -> object key of its zip.
    timeline_key: Mapped[str | None] = mapped_column(Text)
    export_keys: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# States in which an external merge job is still the vendor's and the reconcile schedule's to settle.
MERGE_JOB_OPEN_STATES = ("submitting", "pending", "importing")


class MergeJob(Timestamped, Base):
    __tablename__ = "merge_jobs"
    __table_args__ = (UniqueConstraint("request_id", "variant_index", name="uq_merge_jobs_request_variant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("video_requests.id", ondelete="CASCADE"), index=True)
    variant_index: Mapped[int]
    external_job_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    deadline: Mapped[datetime]
    result_url: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    backend: Mapped[str] = mapped_column(String(32), default="easegen")
    script_digest: Mapped[str | None] = mapped_column(String(64))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    submitted_at: Mapped[datetime | None]
    next_poll_at: Mapped[datetime | None]
    poll_failures: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None]


class Feed(Timestamped, Base):
    """An RSS or Atom feed from VIDEO_ASSETS_FEED_URLS and the outcome of its last poll."""

    __tablename__ = "feeds"
    __table_args__ = (UniqueConstraint("url", name="uq_feeds_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new")
    reason: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    entries_seen: Mapped[int] = mapped_column(Integer, default=0)
    requests_created: Mapped[int] = mapped_column(Integer, default=0)


class FeedEntry(Timestamped, Base):
    """One feed entry (one version of it when updates are configured to re-request) and the request it became."""

    __tablename__ = "feed_entries"
    __table_args__ = (UniqueConstraint("idempotency_key", name="uq_feed_entries_idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[str] = mapped_column(Text)
    entry_updated: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    request_id: Mapped[str | None] = mapped_column(ForeignKey("video_requests.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)


class RequestEvent(Base):
    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("video_requests.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class DeadLetter(Base):
    __tablename__ = "dead_letters"
    __table_args__ = (UniqueConstraint("request_id", "run_id", "stage", name="uq_dead_letters_request_run_stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("video_requests.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(32))
    error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
