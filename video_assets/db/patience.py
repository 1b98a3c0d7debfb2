"""Waiting out a database outage inside a step (issue 23, item 8).

A step's retries are spent in seconds (2 s exponential, 3 retries), so an outage of a minute would fail the request
and could lose a video already rendered. Instead, the writes a step cannot do without (starting the stage, recording
a rendered video, the request's final status) wait for the database with backoff for up to
VIDEO_ASSETS_DATABASE_PATIENCE_SECONDS, and a step that failed on an unreachable database waits for it to answer
again before its retry is spent. Progress writes are skipped while it is down: the next one catches up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import text

from video_assets.db.engine import is_unreachable, session_scope, when_reachable
from video_assets.settings import load_settings

T = TypeVar("T")


def patiently(work: Callable[[], T]) -> T:
    """`work()` (one whole transaction, safe to run again), retried while the database is unreachable, up to the
    configured patience; then the last error propagates."""
    return when_reachable(work, load_settings().database_patience_seconds)


def wait_for_database(database_url: str) -> bool:
    """Block until the database answers, up to the configured patience; False if it never did."""

    def ping() -> None:
        with session_scope(database_url) as session:
            session.execute(text("SELECT 1"))

    try:
        patiently(ping)
    except Exception:  # noqa: BLE001 - still unreachable, or broken otherwise: the caller's error is the one to report
        return False
    return True


def unreachable_database(error: BaseException) -> bool:
    """Whether `error`, or an error it was raised from, says the database could not be reached."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if is_unreachable(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
