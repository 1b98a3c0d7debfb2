"""Editable exports read back with independent parsers (OpenTimelineIO, pyJianYingDraft) against the saved timeline."""

from __future__ import annotations

import json
import math
import re
import subprocess
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pyJianYingDraft as draft
import pytest

from tests.export.conftest import CANVAS, Exported
from tests.render.probing import probe_streams, stream
from video_assets.export.jianying import PLACEHOLDER
from video_assets.render.saved_timeline import SavedScene, SavedTimeline

# Every frame rebuilt from the exported timeline (source frame, then the saved cover fit or pan crop) against the same
# frame of the render (ultrafast, CRF 23), in RGB. Measured here: at least 31.8 dB on the testsrc2 clips and 31.9 dB on
# the panned still; the same frames one source frame off gave at most 21.9 dB and the pan one pixel off at most 23.2 dB.
MIN_CONFORM_PSNR_DB = 28.0


def _editor_timeline(exported: Exported, name: str) -> otio.schema.Timeline:
    return otio.adapters.read_from_file(str(exported.unpacked["editor"] / name))


def _expected_cuts(exported: Exported) -> list[tuple[int, int]]:
    timeline = exported.timeline
    before = timeline.transition_frames // 2
    starts = [0] + [scene.start_frame + before for scene in timeline.scenes[1:]]
    return list(zip(starts, [*starts[1:], timeline.total_frames], strict=True))


def _clips_by_scene(editor: otio.schema.Timeline) -> dict[int, list[otio.schema.Clip]]:
    """Scene index -> its clips in order (a held clip is its play, then a freeze frame), read from the clip names
    that both the .otio and the FCP7 XML keep."""
    grouped: dict[int, list[otio.schema.Clip]] = {}
    for clip in editor.video_tracks()[0].find_clips():
        grouped.setdefault(int(clip.name.split()[1]) - 1, []).append(clip)
    return grouped


@pytest.mark.parametrize("file_name", ["timeline.otio", "timeline_fcp7.xml"])
def test_editor_timelines_match_the_saved_render_timeline_frame_exactly(exported: Exported, file_name: str) -> None:
    saved = exported.timeline
    editor = _editor_timeline(exported, file_name)
    track = editor.video_tracks()[0]
    grouped = _clips_by_scene(editor)
    assert sorted(grouped) == [scene.index for scene in saved.scenes]
    for scene, (start, end) in zip(saved.scenes, _expected_cuts(exported), strict=True):
        position = start
        for clip in grouped[scene.index]:
            record = clip.range_in_parent()
            assert record.start_time.to_frames() == position
            first = position - scene.start_frame
            expected_source = (
                round(scene.source_time(first, saved.fps) * saved.fps) if scene.media.kind == "video" else first
            )
            assert round(clip.source_range.start_time.to_seconds() * saved.fps) == expected_source
            assert clip.source_range.duration.to_frames() == record.duration.to_frames()
            assert clip.source_range.start_time.rate == saved.fps
            position += record.duration.to_frames()
        assert position == end
    transitions = [item for item in track if isinstance(item, otio.schema.Transition)]
    assert len(transitions) == len(saved.scenes) - 1
    for transition in transitions:
        assert (transition.in_offset + transition.out_offset).to_frames() == saved.transition_frames
        # Both sides non-zero: a centred dissolve, never a fade from or to black.
        assert transition.in_offset.to_frames() > 0 and transition.out_offset.to_frames() > 0


def test_fcp7_sequence_has_the_video_size_and_rate_and_no_transition_from_black(exported: Exported) -> None:
    xml = (exported.unpacked["editor"] / "timeline_fcp7.xml").read_text(encoding="utf-8")
    assert "black" not in re.findall(r"<alignment>(.*?)</alignment>", xml).__repr__()
    assert re.findall(r"<alignment>(.*?)</alignment>", xml) == ["center"] * (len(exported.timeline.scenes) - 1)
    editor = _editor_timeline(exported, "timeline.otio")
    assert list(editor.metadata["video_assets"]["canvas"]) == list(CANVAS)
    assert f"<width>{CANVAS[0]}</width>" in xml and f"<height>{CANVAS[1]}</height>" in xml
    assert f"<timebase>{exported.timeline.fps}</timebase>" in xml


def test_editor_package_references_only_files_inside_it(exported: Exported) -> None:
    folder = exported.unpacked["editor"]
    for name in ("timeline.otio", "timeline_fcp7.xml"):
        for clip in _editor_timeline(exported, name).find_clips():
            url = clip.media_reference.target_url
            assert not url.startswith(("s3:", "http")), url
            assert (folder / url.removeprefix("file://")).is_file() or (folder / Path(url).name).exists()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = {entry["path"] for entry in manifest["files"]}
    shipped = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    assert listed == shipped
    for entry in manifest["files"]:
        assert entry["sha256"] and entry["role"]
    for path in folder.rglob("*"):
        if path.suffix in (".otio", ".xml", ".json", ".srt", ".ass"):
            text = path.read_text(encoding="utf-8")
            assert "s3://" not in text and "X-Amz-Signature" not in text and "/tmp/" not in text, path.name


def _ffprobe_seconds(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    return float(out)


def _srt_texts(path: Path) -> list[str]:
    blocks = path.read_text(encoding="utf-8").strip().split("\n\n")
    return ["\n".join(block.splitlines()[2:]) for block in blocks]


def test_jianying_draft_loads_with_pyjianyingdraft_and_is_self_contained(exported: Exported) -> None:
    root = exported.unpacked["jianying"]
    [draft_dir] = [p for p in root.iterdir() if p.is_dir()]
    assert (draft_dir / "draft_info.json").read_bytes() == (draft_dir / "draft_content.json").read_bytes()
    script = draft.DraftFolder(str(root)).load_template(draft_dir.name)
    content = script.content
    materials = {m["id"]: m for kind in ("videos", "audios", "texts") for m in content["materials"].get(kind, [])}
    meta = json.loads((draft_dir / "draft_meta_info.json").read_text(encoding="utf-8"))
    meta_ids = {entry["id"] for group in meta["draft_materials"] for entry in group["value"]}
    assert meta_ids == {m["id"] for kind in ("videos", "audios") for m in content["materials"][kind]}
    for kind in ("videos", "audios"):
        for material in content["materials"][kind]:
            assert material["path"].startswith(PLACEHOLDER + "/")
            local = (draft_dir / material["path"].removeprefix(PLACEHOLDER + "/")).resolve()
            assert local.is_relative_to(draft_dir.resolve()) and local.is_file()
            if material.get("type") == "video":
                duration = _ffprobe_seconds(local)
                for track in content["tracks"]:
                    for segment in track["segments"]:
                        if segment["material_id"] == material["id"]:
                            source = segment["source_timerange"]
                            assert source["start"] >= 0
                            assert source["start"] + source["duration"] <= duration * 1_000_000 + 1
    texts = []
    for track in content["tracks"]:
        spans = sorted((s["target_timerange"]["start"], s["target_timerange"]["duration"]) for s in track["segments"])
        for segment in track["segments"]:
            assert segment["material_id"] in materials
        for (start, length), (next_start, _) in zip(spans, spans[1:], strict=False):
            assert start + length <= next_start, f"overlap on track {track['name']}"
        if track["type"] == "video":
            assert spans[0][0] == 0
            assert all(a + b == c for (a, b), (c, _) in zip(spans, spans[1:], strict=False)), "gap on the main track"
        if track["type"] == "text":
            for segment in sorted(track["segments"], key=lambda s: s["target_timerange"]["start"]):
                texts.append(json.loads(materials[segment["material_id"]]["content"])["text"])
    assert texts == _srt_texts(exported.unpacked["editor"] / "subtitles.srt")


def _source_frame(clip: otio.schema.Clip, fps: int, into_clip: int, rate: Fraction) -> int:
    """Index of the source frame on screen at the clip's `into_clip`-th frame, read from the exported clip alone."""
    # A freeze frame is a LinearTimeWarp of 0: its source stays on the held frame.
    speed = next((e.time_scalar for e in clip.effects if isinstance(e, otio.schema.LinearTimeWarp)), 1.0)
    seconds = clip.source_range.start_time.to_seconds() + into_clip / fps * speed
    return math.floor(seconds * rate + 1e-6)


def _rgb_frames(path: Path, size: tuple[int, int]) -> np.ndarray:
    """Every frame of `path` in order, scaled to `size` with the render's scaler: frame n of a constant-rate file is
    the one on screen from n / rate. Decoded in RGB, each file with its own matrix (the render is BT.709)."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vf", f"scale={size[0]}:{size[1]}:flags=bilinear"]
        + ["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, size[1], size[0], 3)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


def _transition_frames(saved: SavedTimeline) -> set[int]:
    return {scene.start_frame + f for scene in saved.scenes[1:] for f in range(saved.transition_frames)}


def _rebuilder(scene: SavedScene, clip: otio.schema.Clip, media: Path, fps: int) -> Callable[[int], np.ndarray]:
    """Rebuilds the picture of a video frame inside `clip` from its medium and the saved fit or pan alone."""
    width, height = CANVAS
    record_start = clip.range_in_parent().start_time.to_frames()
    if scene.media.kind == "still":
        [still] = _rgb_frames(media, (scene.media.width, scene.media.height))

        def panned(frame: int) -> np.ndarray:
            # ffmpeg's crop rounds a fractional origin to the nearest pixel.
            x, y = (round(value) for value in scene.pan_origin(frame - scene.start_frame))
            return still[y : y + height, x : x + width]

        return panned
    assert scene.fit is not None and scene.fit.mode == "cover"
    source = _rgb_frames(media, scene.fit.scaled)
    rate = Fraction(stream(probe_streams(media), "video")["r_frame_rate"])
    left, top = scene.fit.offset

    def fitted(frame: int) -> np.ndarray:
        return source[_source_frame(clip, fps, frame - record_start, rate)][top : top + height, left : left + width]

    return fitted


def test_every_frame_rebuilt_from_the_exported_timeline_conforms_to_the_render(exported: Exported) -> None:
    """Every frame outside the transitions, rebuilt from the exported clip (its medium at the computed source time, then
    the saved cover fit or pan crop) against the same frame of the render, decoded by index: no seek to round."""
    saved = exported.timeline
    # The fixture covers what this test is for: an in point between frames, a slowed play and a held frame.
    assert any(scene.source_in * saved.fps % 1 for scene in saved.scenes)
    assert {1.0 < 1 / scene.speed < 1.5 for scene in saved.scenes if scene.media.kind == "video"} == {True, False}
    assert any(scene.hold_frame(saved.fps) is not None for scene in saved.scenes)
    rendered = _rgb_frames(exported.result.video_path, CANVAS)
    assert len(rendered) == saved.total_frames
    blended = _transition_frames(saved)
    editor = _editor_timeline(exported, "timeline.otio")  # kept: a clip's range needs its track alive
    for scene_index, clips in _clips_by_scene(editor).items():
        scene = saved.scenes[scene_index]
        for clip in clips:
            rebuild = _rebuilder(scene, clip, exported.unpacked["editor"] / clip.media_reference.target_url, saved.fps)
            record = clip.range_in_parent()
            frames = [
                frame
                for frame in range(record.start_time.to_frames(), record.end_time_exclusive().to_frames())
                if frame not in blended
            ]
            worst = min(_psnr(rebuild(frame), rendered[frame]) for frame in frames)
            print(f"{clip.name}: worst {worst:.1f} dB over {len(frames)} frames")
            assert worst > MIN_CONFORM_PSNR_DB, f"{clip.name}: {worst:.1f} dB"


def test_a_short_clip_is_exported_slowed_then_frozen_on_its_last_frame(exported: Exported) -> None:
    saved = exported.timeline
    [held_scene] = [scene for scene in saved.scenes if scene.hold_frame(saved.fps) is not None]
    assert held_scene.speed == pytest.approx(1 / 1.5, abs=1e-3)
    played, frozen = _clips_by_scene(_editor_timeline(exported, "timeline.otio"))[held_scene.index]
    [warp] = played.effects
    assert type(warp) is otio.schema.LinearTimeWarp and warp.time_scalar == pytest.approx(held_scene.speed)
    [freeze] = frozen.effects
    assert isinstance(freeze, otio.schema.FreezeFrame)
    last = held_scene.source_in + held_scene.source_seconds - 1 / saved.fps
    assert frozen.source_range.start_time.to_seconds() == pytest.approx(last, abs=0.5 / saved.fps)
    [draft_dir] = [p for p in exported.unpacked["jianying"].iterdir() if p.is_dir()]
    content = json.loads((draft_dir / "draft_info.json").read_text(encoding="utf-8"))
    speeds = {speed["id"]: speed["speed"] for speed in content["materials"]["speeds"]}
    main = next(track for track in content["tracks"] if track["type"] == "video")
    slowed = [s for s in main["segments"] if speeds[s["extra_material_refs"][0]] == pytest.approx(held_scene.speed)]
    assert len(slowed) == 1, "the slowed play carries Jianying's speed field"
    photos = {m["id"] for m in content["materials"]["videos"] if m["type"] == "photo"}
    after = main["segments"][main["segments"].index(slowed[0]) + 1]
    assert after["material_id"] in photos, "then the held frame, as a picture"
