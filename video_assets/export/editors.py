"""The saved render timeline as an OpenTimelineIO timeline, written as .otio and as FCP7 XML (Premiere, Resolve).

Cuts sit in the middle of each transition: the FCP7 adapter writes a one-sided dissolve as a fade from black."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio

from video_assets.export.media import ExportMedia
from video_assets.render.ffmpeg_run import probe
from video_assets.render.saved_timeline import SavedScene, SavedTimeline
from video_assets.render.timeline import NARRATION_LEAD

OTIO_NAME = "timeline.otio"
FCP7_NAME = "timeline_fcp7.xml"
METADATA_KEY = "video_assets"


def transition_split(frames: int) -> tuple[int, int]:
    """Frames of a transition before and after its cut: centred, the odd frame after."""
    return frames // 2, frames - frames // 2


def cut_frames(timeline: SavedTimeline) -> list[tuple[int, int]]:
    """Record [start, end) frames of each scene's clip between the cuts."""
    before, _ = transition_split(timeline.transition_frames)
    cuts = [0] + [scene.start_frame + before for scene in timeline.scenes[1:]] + [timeline.total_frames]
    return list(zip(cuts[:-1], cuts[1:], strict=True))


def build_timeline(timeline: SavedTimeline, media: dict[str, ExportMedia], name: str) -> otio.schema.Timeline:
    fps = timeline.fps
    result = otio.schema.Timeline(name=name, global_start_time=otio.opentime.RationalTime(0, fps))
    result.metadata[METADATA_KEY] = {"canvas": list(timeline.canvas), "fps": fps, "video_key": timeline.video_key}
    # The FCP7 adapter builds <sequence> from this: without it Premiere and Resolve assume their default frame size.
    width, height = timeline.canvas
    characteristics = {"width": str(width), "height": str(height), "pixelaspectratio": "square"}
    result.metadata["fcp_xml"] = {"media": {"video": {"format": {"samplecharacteristics": characteristics}}}}
    result.tracks.append(_video_track(timeline, media))
    result.tracks.append(_narration_track(timeline, media))
    if timeline.music is not None:
        result.tracks.append(_music_track(timeline, media))
    return result


def _frames(value: float, fps: int) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(value, fps)


def _video_track(timeline: SavedTimeline, media: dict[str, ExportMedia]) -> otio.schema.Track:
    fps = timeline.fps
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    before, after = transition_split(timeline.transition_frames)
    for scene, (start, end) in zip(timeline.scenes, cut_frames(timeline), strict=True):
        if scene.index > 0 and timeline.transition_frames:
            track.append(
                otio.schema.Transition(
                    name=timeline.transition,
                    transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                    in_offset=_frames(before, fps),
                    out_offset=_frames(after, fps),
                    metadata={METADATA_KEY: {"ffmpeg_transition": timeline.transition}},
                )
            )
        track.extend(_scene_clips(scene, start, end, fps, media[scene.media.key]))
    return track


def _scene_clips(scene: SavedScene, start: int, end: int, fps: int, medium: ExportMedia) -> list[otio.schema.Clip]:
    """One clip, or two when the render held the clip's last frame: the (slowed) play, then a freeze frame."""
    hold = scene.hold_frame(fps)
    split = end if hold is None else scene.start_frame + hold
    if split >= end:
        return [_scene_clip(scene, start, end, fps, medium)]
    held = _scene_clip(scene, max(start, split), end, fps, medium, held=True)
    return [held] if split <= start else [_scene_clip(scene, start, split, fps, medium), held]


def _scene_clip(
    scene: SavedScene, start: int, end: int, fps: int, medium: ExportMedia, held: bool = False
) -> otio.schema.Clip:
    first = start - scene.start_frame  # the scene's frame at its cut: transitions use the frames around it
    if scene.media.kind == "still":
        # A still has no time of its own: its range is counted from 0, as long as the scene shows it.
        available = otio.opentime.TimeRange(_frames(0, fps), _frames(scene.frames, fps))
        source_start = _frames(first, fps)
    else:
        duration = scene.media.duration or scene.source_in + scene.source_seconds
        available = otio.opentime.TimeRange(_frames(0, fps), otio.opentime.RationalTime.from_seconds(duration, fps))
        source_start = otio.opentime.RationalTime.from_seconds(scene.source_time(first, fps), fps)
    clip = otio.schema.Clip(
        name=f"scene {scene.index + 1}{' held' if held else ''}",
        media_reference=otio.schema.ExternalReference(target_url=medium.name, available_range=available),
        source_range=otio.opentime.TimeRange(source_start, _frames(end - start, fps)),
        metadata={
            METADATA_KEY: {
                "scene_index": scene.index,
                "object_key": scene.media.key,
                "fit": scene.fit.model_dump() if scene.fit else None,
                "pan": scene.pan.model_dump() if scene.pan else None,
                "scene_start_frame": scene.start_frame,
                "source_seconds": scene.source_seconds,
                "narration": scene.narration.text if scene.narration else "",
            }
        },
    )
    if held:
        clip.effects.append(otio.schema.FreezeFrame())  # source_time already stops at the last frame
    elif scene.speed != 1.0:
        clip.effects.append(otio.schema.LinearTimeWarp(time_scalar=scene.speed))
    return clip


def _narration_track(timeline: SavedTimeline, media: dict[str, ExportMedia]) -> otio.schema.Track:
    fps = timeline.fps
    track = otio.schema.Track(name="A1 narration", kind=otio.schema.TrackKind.Audio)
    position = 0
    for scene in timeline.scenes:
        if scene.narration is None:
            continue
        start = scene.start_frame + round(NARRATION_LEAD * fps)
        length = round(scene.narration.duration * fps)
        if start > position:
            track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=_frames(start - position, fps))))
        medium = media[scene.narration.key]
        track.append(
            otio.schema.Clip(
                name=f"narration {scene.index + 1}",
                media_reference=otio.schema.ExternalReference(
                    target_url=medium.name,
                    available_range=otio.opentime.TimeRange(_frames(0, fps), _frames(length, fps)),
                ),
                source_range=otio.opentime.TimeRange(_frames(0, fps), _frames(length, fps)),
                metadata={METADATA_KEY: {"text": scene.narration.text, "object_key": scene.narration.key}},
            )
        )
        position = start + length
    return track


def _music_track(timeline: SavedTimeline, media: dict[str, ExportMedia]) -> otio.schema.Track:
    music = timeline.music
    assert music is not None  # noqa: S101 - only called with music
    fps = timeline.fps
    medium = media[music.key]
    length = max(int(float(probe(medium.path)["format"]["duration"]) * fps), 1)
    available = otio.opentime.TimeRange(_frames(0, fps), _frames(length, fps))
    track = otio.schema.Track(name="A2 music", kind=otio.schema.TrackKind.Audio)
    # The render loops the music under the whole video: one clip per pass.
    for position in range(0, timeline.total_frames, length):
        track.append(
            otio.schema.Clip(
                name="music",
                media_reference=otio.schema.ExternalReference(target_url=medium.name, available_range=available),
                source_range=otio.opentime.TimeRange(
                    _frames(0, fps), _frames(min(length, timeline.total_frames - position), fps)
                ),
                metadata={METADATA_KEY: {"volume_keyframes": music.volume_keyframes, "object_key": music.key}},
            )
        )
    return track


def write_editor_timelines(timeline: otio.schema.Timeline, folder: Path) -> list[Path]:
    otio_path, fcp_path = folder / OTIO_NAME, folder / FCP7_NAME
    otio.adapters.write_to_file(timeline, str(otio_path), adapter_name="otio_json")
    otio.adapters.write_to_file(timeline, str(fcp_path), adapter_name="fcp_xml")
    return [otio_path, fcp_path]
