"""Editable exports of one rendered variant: a Jianying draft zip and an editor's package zip, in the store."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

from video_assets.export.editors import build_timeline, write_editor_timelines
from video_assets.export.media import ExportMedia, gather_media
from video_assets.render.saved_timeline import SavedTimeline
from video_assets.storage import ObjectStore, request_key

STAGE = "rendered_videos"
EXPORT_KINDS = ("jianying", "editor")
MERGE_DRAFT_SKIPPED = (
    "not made for a merge vendor's video: the vendor chose its own fit, pans, narration and subtitles, which the "
    "submitted timeline does not hold, so a draft would not match the video"
)


def export_variant(
    store: ObjectStore, request_id: str, variant_index: int, timeline_key: str, kinds: list[str], workdir: Path
) -> dict[str, str]:
    """Export kind -> object key of the zip written for it; "skipped" names a kind not made, and why."""
    timeline = SavedTimeline.model_validate_json(store.get_bytes(timeline_key))
    media = gather_media(timeline, store, workdir / "media-cache")
    name = f"video_{request_id}_v{variant_index}"
    cover = store.download(timeline.cover_key, workdir / "cover.jpg") if timeline.cover_key else None
    written: dict[str, str] = {}
    for kind in kinds:
        folder = workdir / kind
        if kind == "jianying" and timeline.source == "merge":
            written["skipped"] = f"jianying: {MERGE_DRAFT_SKIPPED}"
            continue
        if kind == "jianying":
            # pyJianYingDraft takes a fifth of a second to import: only where a draft is written.
            from video_assets.export.jianying import write_jianying_draft

            write_jianying_draft(timeline, media, cover, folder, name)
        else:
            _write_editor_package(timeline, media, store, folder, name)
        key = request_key(request_id, STAGE, f"v{variant_index}", f"{kind}-export.zip")
        store.put_file(key, _zip(folder, workdir / f"{kind}.zip"), "application/zip")
        written[kind] = key
    return written


def _write_editor_package(
    timeline: SavedTimeline, media: dict[str, ExportMedia], store: ObjectStore, folder: Path, name: str
) -> None:
    roles: dict[str, tuple[str | None, str]] = {}  # package path -> (object key, role)
    for medium in media.values():
        (folder / medium.name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(medium.path, folder / medium.name)
        roles[medium.name] = (medium.key, medium.role)
    for path in write_editor_timelines(build_timeline(timeline, media, name), folder):
        roles[path.name] = (timeline.video_key, "timeline")
    for key, file_name in ((timeline.srt_key, "subtitles.srt"), (timeline.ass_key, "subtitles.ass")):
        if key:
            store.download(key, folder / file_name)
            roles[file_name] = (key, "subtitles")
    words = [cue.model_dump() for cue in timeline.cues]
    (folder / "words.json").write_text(json.dumps(words, ensure_ascii=False, indent=1), encoding="utf-8")
    roles["words.json"] = (None, "word timings")
    manifest = {
        "name": name,
        "fps": timeline.fps,
        "canvas": list(timeline.canvas),
        "video_key": timeline.video_key,
        "files": [
            {"path": path, "object_key": key, "role": role, "sha256": _sha256(folder / path)}
            for path, (key, role) in sorted(roles.items())
        ],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Media already compressed by its own codec: deflating it again costs seconds per request and saves almost nothing.
STORED_SUFFIXES = frozenset({".mp4", ".mov", ".m4a", ".mp3", ".aac", ".jpg", ".jpeg", ".png", ".webp", ".webm"})


def _zip(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                stored = path.suffix.lower() in STORED_SUFFIXES
                archive.write(
                    path,
                    path.relative_to(folder).as_posix(),
                    compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED,
                )
    return target
