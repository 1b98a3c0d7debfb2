"""The media an export ships: every object the saved timeline names, fetched once under a short ASCII name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from video_assets.render.saved_timeline import SavedTimeline
from video_assets.storage import ObjectStore


@dataclass(frozen=True)
class ExportMedia:
    key: str
    name: str  # relative path inside a package, e.g. media/clip-01.mp4
    path: Path  # the local copy
    role: str  # clip | still | narration | music


def gather_media(timeline: SavedTimeline, store: ObjectStore, folder: Path) -> dict[str, ExportMedia]:
    """Object key -> its local copy. Names are ASCII and short: editors and Jianying choke on others."""
    wanted: dict[str, str] = {}
    for scene in timeline.scenes:
        wanted.setdefault(scene.media.key, "clip" if scene.media.kind == "video" else "still")
        if scene.narration is not None:
            wanted.setdefault(scene.narration.key, "narration")
    if timeline.music is not None:
        wanted.setdefault(timeline.music.key, "music")
    gathered: dict[str, ExportMedia] = {}
    for number, (key, role) in enumerate(wanted.items(), start=1):
        suffix = "".join(c for c in PurePosixPath(key).suffix.lower() if c.isascii() and (c.isalnum() or c == "."))
        name = f"media/{role}-{number:02d}{suffix}"
        path = store.download(key, folder / name)
        gathered[key] = ExportMedia(key=key, name=name, path=path, role=role)
    return gathered
