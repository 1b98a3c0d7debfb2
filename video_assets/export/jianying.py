"""The saved render timeline as a Jianying (剪映 / CapCut) draft folder, written with pyJianYingDraft.

Jianying 6+ reads the timeline from `draft_info.json` (older versions from `draft_content.json`; the old name alone
gives "草稿内容已损坏"), wants every medium listed in `draft_meta_info.json` with its material id, and finds media
through the draft-folder placeholder, so the folder can be copied anywhere."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pyJianYingDraft as draft

from video_assets.export.editors import cut_frames, transition_split
from video_assets.export.media import ExportMedia
from video_assets.render.ffmpeg_run import extract_frame
from video_assets.render.saved_timeline import SavedScene, SavedTimeline
from video_assets.render.timeline import NARRATION_LEAD

PLACEHOLDER = "##_draftpath_placeholder_0E685133-18CE-45ED-8CB8-2904A212EC79_##"
TIMELINE_FILES = ("draft_info.json", "draft_content.json")
US = 1_000_000
# Our transitions mapped to Jianying's free ones (is_vip False in pyJianYingDraft's table); others cross-dissolve.
FREE_TRANSITIONS = {
    "fadeblack": draft.TransitionType.闪黑,
    "wipeleft": draft.TransitionType.左移,
    "slideleft": draft.TransitionType.左移,
    "smoothleft": draft.TransitionType.左移,
    "zoomin": draft.TransitionType.推近,
}
INSTALL_SCRIPT = Path(__file__).with_name("install_jianying_draft.py")
INSTALL_NOTE = """Jianying (剪映) draft made by video-assets

1. Unzip. The folder {name} is the draft.
2. Run `python install_jianying_draft.py` (Python 3, standard library only): it copies the draft into Jianying's
   drafts folder (on Windows %LOCALAPPDATA%\\JianyingPro\\User Data\\Projects\\com.lveditor.draft, on macOS
   ~/Movies/JianyingPro/User Data/Projects/com.lveditor.draft), or pass that folder as its argument.
3. Restart Jianying: the draft appears under its name. Media are inside the draft folder, under media/.
"""


def _us(frames: float, fps: int) -> int:
    return round(frames * US / fps)


def write_jianying_draft(
    timeline: SavedTimeline, media: dict[str, ExportMedia], cover: Path | None, folder: Path, name: str
) -> Path:
    """Write the draft as folder/<name>/ with its media copied in; returns the draft folder."""
    draft_dir = folder / name
    if draft_dir.exists():
        shutil.rmtree(draft_dir)
    folder.mkdir(parents=True, exist_ok=True)
    script = draft.DraftFolder(str(folder)).create_draft(name, *timeline.canvas, fps=timeline.fps)
    for medium in media.values():
        (draft_dir / medium.name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(medium.path, draft_dir / medium.name)
    materials = {key: draft_dir / medium.name for key, medium in media.items()}
    _add_video(script, timeline, materials)
    _add_narration(script, timeline, materials)
    _add_music(script, timeline, materials)
    _add_subtitles(script, timeline)
    content = script.dumps().replace(json.dumps(str(draft_dir))[1:-1], PLACEHOLDER)
    for file_name in TIMELINE_FILES:
        (draft_dir / file_name).write_text(content, encoding="utf-8")
    if cover is not None:
        shutil.copyfile(cover, draft_dir / "draft_cover.jpg")
    _write_meta(draft_dir, name, json.loads(content), timeline, cover is not None)
    (folder / "INSTALL.txt").write_text(INSTALL_NOTE.format(name=name), encoding="utf-8")
    shutil.copyfile(INSTALL_SCRIPT, folder / INSTALL_SCRIPT.name)
    return draft_dir


def _add_video(script: draft.ScriptFile, timeline: SavedTimeline, materials: dict[str, Path]) -> None:
    script.append_track(draft.TrackSpec(draft.TrackType.video, "main"))
    fps = timeline.fps
    _, after = transition_split(timeline.transition_frames)
    segments = []
    for scene, (start, end) in zip(timeline.scenes, cut_frames(timeline), strict=True):
        hold = scene.hold_frame(fps)
        split = end if hold is None else min(max(scene.start_frame + hold, start), end)
        if split > start:
            segment = _scene_segment(scene, start, split, timeline, materials[scene.media.key])
            script.add_segment(segment, "main")
        if split < end:
            segment = _held_segment(scene, split, end, timeline, materials[scene.media.key])
            script.add_segment(segment, "main")
        segments.append(segment)  # the scene's last segment carries the transition into the next
    if timeline.transition_frames:
        kind = FREE_TRANSITIONS.get(timeline.transition, draft.TransitionType.叠化)
        for segment in segments[:-1]:
            segment.add_transition(kind, duration=_us(timeline.transition_frames, fps))


def _scene_segment(scene: SavedScene, start: int, end: int, timeline: SavedTimeline, path: Path) -> draft.VideoSegment:
    fps = timeline.fps
    width, height = timeline.canvas
    first = start - scene.start_frame
    target = draft.Timerange(_us(start, fps), _us(end, fps) - _us(start, fps))
    if scene.media.kind == "still":
        # The still is the pan canvas (a little larger than the video); Jianying fits it to the canvas, so scale it
        # back up and move its centre along the pan as position keyframes (in half canvas widths / heights).
        settings = draft.ClipSettings(scale_x=scene.media.width / width, scale_y=scene.media.height / height)
        segment = draft.VideoSegment(
            draft.VideoMaterial(str(path)),
            target,
            source_timerange=draft.Timerange(_us(first, fps), target.duration),
            clip_settings=settings,
        )
        for offset in (0, end - start - 1):
            x, y = scene.pan_origin(first + offset)
            time = _us(offset, fps)
            segment.add_keyframe(
                draft.KeyframeProperty.position_x, time, (scene.media.width / 2 - x - width / 2) / (width / 2)
            )
            segment.add_keyframe(
                draft.KeyframeProperty.position_y, time, -(scene.media.height / 2 - y - height / 2) / (height / 2)
            )
        return segment
    fit_scale = _cover_scale(scene, timeline.canvas)
    source_start = scene.source_time(first, fps)
    segment = draft.VideoSegment(
        draft.VideoMaterial(str(path)),
        target,
        # No `speed`: given both, pyJianYingDraft recomputes the target from the rounded source and can overlap the
        # next segment by a microsecond; from the two ranges it derives the speed and keeps the cut where it is.
        source_timerange=draft.Timerange(round(source_start * US), round(target.duration * scene.speed)),
        volume=0.0,  # the clip's own sound is not in the render either
        clip_settings=draft.ClipSettings(scale_x=fit_scale, scale_y=fit_scale),
    )
    if scene.fit is not None and scene.fit.mode == "contain":
        segment.add_background_filling("blur", blur=0.0625)
    return segment


def _held_segment(scene: SavedScene, start: int, end: int, timeline: SavedTimeline, path: Path) -> draft.VideoSegment:
    """The clip's last frame, held as a picture in the draft's media: Jianying's speed cannot go slow enough."""
    fps = timeline.fps
    # Half a frame early: a seek to the last frame's own start, rounded up to milliseconds, finds nothing after it.
    last = max(scene.source_time(scene.frames, fps) - 0.5 / fps, 0.0)
    still = extract_frame(path, last, path.with_name(f"{path.stem}-held-{scene.index:02d}.png"))
    fit = _cover_scale(scene, timeline.canvas)
    target = draft.Timerange(_us(start, fps), _us(end, fps) - _us(start, fps))
    return draft.VideoSegment(
        draft.VideoMaterial(str(still)),
        target,
        source_timerange=draft.Timerange(0, target.duration),
        clip_settings=draft.ClipSettings(scale_x=fit, scale_y=fit),
    )


def _cover_scale(scene: SavedScene, canvas: tuple[int, int]) -> float:
    """Jianying contains a picture in the canvas; our cover crop is that, scaled up until no border remains."""
    if scene.fit is None or scene.fit.mode != "cover":
        return 1.0
    across, down = canvas[0] / scene.media.width, canvas[1] / scene.media.height
    return max(across, down) / min(across, down)


def _add_narration(script: draft.ScriptFile, timeline: SavedTimeline, materials: dict[str, Path]) -> None:
    script.append_track(draft.TrackSpec(draft.TrackType.audio, "narration"))
    for scene in timeline.scenes:
        if scene.narration is None:
            continue
        start = _us(scene.start_frame, timeline.fps) + round(NARRATION_LEAD * US)
        material = draft.AudioMaterial(str(materials[scene.narration.key]))
        length = min(round(scene.narration.duration * US), material.duration)
        script.add_segment(
            draft.AudioSegment(material, draft.Timerange(start, length), source_timerange=draft.Timerange(0, length)),
            "narration",
        )


def _add_music(script: draft.ScriptFile, timeline: SavedTimeline, materials: dict[str, Path]) -> None:
    if timeline.music is None:
        return
    script.append_track(draft.TrackSpec(draft.TrackType.audio, "music"))
    material = draft.AudioMaterial(str(materials[timeline.music.key]))
    total = _us(timeline.total_frames, timeline.fps)
    # The render loops the music under the whole video: one segment per pass, each with its share of the ducking.
    position = 0
    while position < total:
        length = min(material.duration, total - position)
        segment = draft.AudioSegment(
            material, draft.Timerange(position, length), source_timerange=draft.Timerange(0, length)
        )
        for seconds, gain in timeline.music.volume_keyframes:
            offset = round(seconds * US) - position
            if 0 <= offset <= length:
                segment.add_keyframe(offset, gain)
        script.add_segment(segment, "music")
        position += length


def _add_subtitles(script: draft.ScriptFile, timeline: SavedTimeline) -> None:
    script.append_track(draft.TrackSpec(draft.TrackType.text, "subtitles"))
    style = draft.TextStyle(size=6.0, color=(1.0, 1.0, 1.0), align=1, auto_wrapping=True)
    position = draft.ClipSettings(transform_y=-0.7)
    end_of_previous = 0
    for cue in timeline.cues:
        start = max(round(cue.start * US), end_of_previous)  # a cue never overlaps the one before it
        end = round(cue.end * US)
        if end <= start:
            continue
        script.add_segment(
            draft.TextSegment(
                cue.text,
                draft.Timerange(start, end - start),
                style=style,
                clip_settings=position,
                border=draft.TextBorder(width=40.0),
            ),
            "subtitles",
        )
        end_of_previous = end


def _write_meta(draft_dir: Path, name: str, content: dict, timeline: SavedTimeline, has_cover: bool) -> None:
    """Jianying 6+ lists every medium of the draft here, by the material id the timeline uses."""
    meta_path = draft_dir / "draft_meta_info.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    materials = content["materials"]
    entries = {0: [], 6: []}  # 0: video and pictures, 6: audio
    for video in materials.get("videos", []):
        entries[0].append(_meta_entry(video, "photo" if video["type"] == "photo" else "video"))
    for audio in materials.get("audios", []):
        entries[6].append(_meta_entry(audio, "music"))
    for group in meta["draft_materials"]:
        group["value"] = entries.get(group["type"], [])
    meta |= {
        "draft_id": str(uuid.uuid4()).upper(),
        "draft_name": name,
        "draft_fold_path": PLACEHOLDER,
        "draft_root_path": "",
        "draft_cover": "draft_cover.jpg" if has_cover else "",
        "tm_duration": _us(timeline.total_frames, timeline.fps),
    }
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")


def _meta_entry(material: dict, metetype: str) -> dict:
    return {
        "id": material["id"],
        "file_Path": material["path"],
        "extra_info": material.get("material_name") or material.get("name", ""),
        "metetype": metetype,
        "duration": material["duration"],
        "width": material.get("width", 0),
        "height": material.get("height", 0),
        "type": 0,
    }
