"""The request sensor's JSON cursor: the (created_at, id) high-water mark of rows it has launched."""

from __future__ import annotations

import json
from datetime import datetime

from video_assets.db.repository import SensorCursor


def parse_cursor(raw: str | None) -> SensorCursor:
    if not raw:
        return SensorCursor()
    data = json.loads(raw)
    return SensorCursor(created_at=datetime.fromisoformat(data["created_at"]), request_id=data["id"])


def dump_cursor(cursor: SensorCursor) -> str:
    assert cursor.created_at is not None
    return json.dumps({"created_at": cursor.created_at.isoformat(), "id": cursor.request_id})
