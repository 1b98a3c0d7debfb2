"""What every report of one request starts with, for `video-assets status` (db/report.py) and the service's status
(service/requests.py) alike."""

from __future__ import annotations

from typing import Any

from video_assets.db.models import VideoRequest


def request_fields(request: VideoRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "title": request.title,
        "status": request.status,
        "stage": request.stage,
        "progress": round(request.progress, 3),
        "error": request.error,
        "attempts": request.attempts,
        "created_at": request.created_at.isoformat(),
    }
