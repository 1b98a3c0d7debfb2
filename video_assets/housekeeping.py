"""Expire stale working directories: a crashed run worker cannot clean up after itself."""

from __future__ import annotations

import shutil
import time
from pathlib import Path


def expire_stale_entries(root: Path, max_age_seconds: float, now: float | None = None) -> list[Path]:
    """Remove direct children of `root` not modified for `max_age_seconds`; returns what was removed."""
    if not root.is_dir():
        return []
    cutoff = (now if now is not None else time.time()) - max_age_seconds
    removed = []
    for entry in sorted(root.iterdir()):
        if entry.lstat().st_mtime < cutoff:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed
