"""Expire what a crashed or killed worker leaves behind: step working directories and temporary objects.

Runs normally clean up after themselves; these rules catch what they could not, without touching anything a
live request may still use."""

from __future__ import annotations

import shutil
import time
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path

from video_assets.storage.base import ObjectStore

TEMP_STAGE = "tmp"
# Rejected renders kept for a person to judge the verdict (see stages/review.py): temporary too, on the same TTL.
REVIEW_STAGE = "review"


def request_dir_ids(root: Path) -> list[str]:
    """Names of the directories in `root`, sorted: each is `root/<request_id>/` (see `stage_workdir`)."""
    if not root.is_dir():
        return []
    return sorted(entry.name for entry in root.iterdir() if entry.is_dir() and not entry.is_symlink())


def expire_temp_entries(
    root: Path, settled: Collection[str], max_age_seconds: float, now: float | None = None
) -> list[Path]:
    """Remove direct children of `root`: the directory of a settled request (one that finished long enough ago,
    or that the database does not know) at once, anything else once untouched for `max_age_seconds`. Returns what
    was removed, sorted."""
    if not root.is_dir():
        return []
    cutoff = (now if now is not None else time.time()) - max_age_seconds
    removed = []
    for entry in sorted(root.iterdir()):
        is_request_dir = entry.is_dir() and not entry.is_symlink()
        if (is_request_dir and entry.name in settled) or entry.lstat().st_mtime < cutoff:
            if is_request_dir:
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


def is_temp_key(key: str) -> bool:
    """`requests/<id>/tmp/...`: scratch objects a stage shares for a while (e.g. with an external service);
    `requests/<id>/review/...`: rejected renders kept for review."""
    parts = key.split("/")
    return len(parts) > 3 and parts[0] == "requests" and parts[2] in (TEMP_STAGE, REVIEW_STAGE)


def expire_temp_objects(store: ObjectStore, ttl_seconds: float, now: datetime | None = None) -> list[str]:
    """Delete temporary objects last modified more than `ttl_seconds` ago; returns their keys, sorted. Nothing
    outside a `tmp` or `review` prefix is ever deleted."""
    cutoff = (now or datetime.now(UTC)) - timedelta(seconds=ttl_seconds)
    # Collected before deleting, so the listing never pages over keys that are being removed.
    expired = [
        obj.key for obj in store.list_objects("requests/") if is_temp_key(obj.key) and obj.last_modified < cutoff
    ]
    for key in expired:
        store.delete(key)
    return expired
