"""Proof that someone is still working on a request: the process running one of its steps touches
`video_requests.heartbeat_at` from a background thread every few seconds.

A run whose worker died says nothing, so silence is the signal: the stalled-run sensor fails a run whose request has
not been touched (and whose event log has been quiet) for longer than `stalled_after_seconds`. The thread writes
only the timestamp, never the request's status, so a late beat cannot undo anything.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from video_assets.db.engine import session_scope
from video_assets.db.models import VideoRequest, utcnow
from video_assets.settings import load_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HeartbeatSettings:
    interval_seconds: float
    stalled_after_seconds: float


def heartbeat_settings() -> HeartbeatSettings:
    settings = load_settings()
    return HeartbeatSettings(settings.heartbeat_seconds, settings.stalled_after_seconds)


def touch(database_url: str, request_id: str) -> None:
    # `updated_at` keeps meaning "the request's state last changed" (housekeeping's stuck rule reads it), so the
    # column's onupdate default is overridden with its own value.
    with session_scope(database_url) as session:
        session.execute(
            update(VideoRequest)
            .where(VideoRequest.id == request_id)
            .values(heartbeat_at=utcnow(), updated_at=VideoRequest.updated_at)
        )


def last_heartbeats(session: Session, request_ids: Collection[str]) -> dict[str, datetime | None]:
    rows = session.execute(select(VideoRequest.id, VideoRequest.heartbeat_at).where(VideoRequest.id.in_(request_ids)))
    return {request_id: beat for request_id, beat in rows}


class Heartbeat:
    """Touches the request now and then every `interval_seconds` from a daemon thread, until `stop()` or the end of
    the `with` block. A failed write is logged once and retried by every later beat: a database blip must not fail a
    step, and the next successful beat is all the watcher needs."""

    def __init__(self, database_url: str, request_id: str, settings: HeartbeatSettings | None = None) -> None:
        self._database_url = database_url
        self._request_id = request_id
        self._interval = (settings or heartbeat_settings()).interval_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{request_id}", daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        """No beat starts after this; a write in flight is waited for for one interval, not for a hung server."""
        self._stopping.set()
        self._thread.join(timeout=self._interval)

    def __enter__(self) -> Heartbeat:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _run(self) -> None:
        failing = False
        while not self._stopping.is_set():
            try:
                touch(self._database_url, self._request_id)
                failing = False
            except Exception as error:  # noqa: BLE001 - any failure of one beat is retried by the next
                if not failing:
                    log.warning("heartbeat for request %s failed, retrying every beat: %s", self._request_id, error)
                failing = True
            self._stopping.wait(self._interval)
