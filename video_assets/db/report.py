"""A request's full state as one JSON-able dict, for `video-assets status` and the demo."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from video_assets.db.models import Feed, FeedEntry, MediaAnalysis, MediaItem, MergeJob, RenderedVideo, VideoScript
from video_assets.db.repository import get_request, list_events
from video_assets.db.request_fields import request_fields
from video_assets.stages.review import review_keys


def request_report(session: Session, request_id: str) -> dict[str, Any]:
    request = get_request(session, request_id)
    items = session.scalars(select(MediaItem).where(MediaItem.request_id == request_id).order_by(MediaItem.position))
    analyses = {
        a.media_item_id: a for a in session.scalars(select(MediaAnalysis).where(MediaAnalysis.request_id == request_id))
    }
    scripts = session.scalars(
        select(VideoScript).where(VideoScript.request_id == request_id).order_by(VideoScript.variant_index)
    )
    videos = session.scalars(
        select(RenderedVideo).where(RenderedVideo.request_id == request_id).order_by(RenderedVideo.variant_index)
    )
    return {
        **request_fields(request),
        "dagster_run_id": request.dagster_run_id,
        "events": [
            {"at": e.at.isoformat(), "kind": e.kind, "stage": e.stage, "message": e.message}
            for e in list_events(session, request_id)
        ],
        "materials": [
            {
                "id": item.id,
                "source": item.source,
                "status": item.status,
                "reason": item.reason,
                "kind": item.kind,
                "width": item.width,
                "height": item.height,
                "duration": item.duration,
                "analysis": analyses[item.id].status if item.id in analyses else None,
            }
            for item in items
        ],
        "scripts": [
            {
                "variant": s.variant_index,
                "style": s.style,
                "title": s.title,
                "scenes": len(s.scenes),
                "planned_duration": round(s.planned_duration, 2),
                "coverage": s.coverage.get("share_used"),
            }
            for s in scripts
        ],
        "videos": [
            {
                "variant": v.variant_index,
                "status": v.status,
                "reason": v.reason,
                "duration": v.duration,
                "size_bytes": v.size_bytes,
                "video_key": v.video_key,
                "exports": v.export_keys,  # export kind -> zip key, or {"error": reason}
                "review": _review(request_id, v),
            }
            for v in videos
        ],
        "merge_jobs": [
            {
                "variant": job.variant_index,
                "backend": job.backend,
                "job_id": job.external_job_id,
                "state": job.state,
                "progress": round(job.progress, 3),
                "deadline": job.deadline.isoformat(),
                "error": job.error,
            }
            for job in session.scalars(
                select(MergeJob).where(MergeJob.request_id == request_id).order_by(MergeJob.variant_index)
            )
        ],
    }


def _review(request_id: str, video: RenderedVideo) -> dict[str, str] | None:
    """Where a video rejected by its checks was kept, and the JSON with the reason and the figures."""
    if not video.review_key:
        return None
    return {"video_key": video.review_key, "reason_key": review_keys(request_id, video.variant_index).reason}


def feed_states(session: Session) -> list[dict[str, Any]]:
    """Every polled feed as its last poll left it, with how many of its entries were rejected and why not."""
    rejected = dict(
        session.execute(
            select(FeedEntry.feed_id, func.count()).where(FeedEntry.status == "rejected").group_by(FeedEntry.feed_id)
        ).all()
    )
    return [
        {
            "url": feed.url,
            "title": feed.title,
            "status": feed.status,
            "reason": feed.reason,
            "last_polled_at": feed.last_polled_at.isoformat() if feed.last_polled_at else None,
            "last_ok_at": feed.last_ok_at.isoformat() if feed.last_ok_at else None,
            "entries_seen": feed.entries_seen,
            "requests_created": feed.requests_created,
            "entries_rejected": rejected.get(feed.id, 0),
        }
        for feed in session.scalars(select(Feed).order_by(Feed.id))
    ]
