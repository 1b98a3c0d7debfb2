"""Plain concat when the transition is 'none', frame-exact planning, and clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.media_samples import clip
from tests.render.probing import gray_frames, probe_streams, stream
from video_assets.render import RenderError, RenderJob, SceneClip, plan_timeline, render_video
from video_assets.render.ffmpeg_run import parse_progress_line
from video_assets.request_schema import SubtitleStyle, Transition
from video_assets.tts import EspeakTts
from video_assets.tts.base import Narration

CANVAS = (360, 640)


def test_transition_none_concatenates_scenes_and_a_short_window_is_held_frame_exactly(
    tmp_path: Path, tts: EspeakTts, astronaut_photo: Path, four_three_clip: Path
) -> None:
    job = RenderJob(
        scenes=[
            SceneClip(astronaut_photo, "image", 512, 512, narration="第一。"),
            # A 0.8 s window under ~2 s of narration: slowed, then its last frame held; never looped.
            SceneClip(
                four_three_clip,
                "video",
                640,
                480,
                source_duration=1.5,
                in_point=0.2,
                out_point=1.0,
                narration="这一段需要循环。",
            ),
        ],
        canvas=CANVAS,
        transition=Transition(type="none", duration=1.0),
    )
    result = render_video(job, tts, tmp_path)
    assert job.transition_frames == 0
    video = stream(probe_streams(result.video_path), "video")
    assert int(video["nb_read_frames"]) == round(result.planned_duration * 30)
    assert "xfade" not in (tmp_path / "ffmpeg-command.txt").read_text(encoding="utf-8")


def test_fade_cross_dissolves_evenly_from_one_scene_into_the_next(tmp_path: Path, tts: EspeakTts) -> None:
    black = clip(tmp_path / "black.mp4", 180, 320, seconds=2.0, source="color=c=black")
    white = clip(tmp_path / "white.mp4", 180, 320, seconds=2.0, source="color=c=white")
    job = RenderJob(
        scenes=[
            SceneClip(black, "video", 180, 320, source_duration=2.0, narration="第一段。"),
            SceneClip(white, "video", 180, 320, source_duration=2.0, narration="第二段。"),
        ],
        canvas=CANVAS,
        transition=Transition(type="fade", duration=1.0),
        subtitles=SubtitleStyle(enabled=False),
    )
    frames = gray_frames(render_video(job, tts, tmp_path / "render").video_path, (36, 64))
    means = frames.reshape(len(frames), -1).mean(axis=1)
    blending = np.flatnonzero((means > 25) & (means < 225))
    assert len(blending) >= 20  # most of a 30-frame fade, not a cut
    assert np.all(np.diff(means[blending]) > 0)  # white rises steadily, never steps back
    middle = frames[blending[len(blending) // 2]]
    assert 90 < middle.mean() < 170 and middle.std() < 8  # the whole frame is grey: dissolved, not slid


def test_plan_gives_each_scene_its_narration_plus_the_overlap_it_shares(tmp_path: Path, astronaut_photo: Path) -> None:
    scenes = [SceneClip(astronaut_photo, "image", 512, 512, narration="x")] * 3
    job = RenderJob(scenes=scenes, canvas=CANVAS, transition=Transition(type="fade", duration=0.5))
    narrations = [Narration(tmp_path / "n.wav", seconds) for seconds in (2.0, 0.1, 3.0)]
    plan = plan_timeline(job, narrations)
    assert [scene.slot_frames for scene in plan.scenes] == [75, 30, 105]  # 0.15 s lead + 0.35 s tail, 1 s minimum
    assert [scene.frames for scene in plan.scenes] == [90, 45, 105]
    assert [scene.start_frame for scene in plan.scenes] == [0, 75, 105]
    assert plan.total_frames == 210


def test_missing_media_and_bad_points_are_clear_errors(tmp_path: Path, four_three_clip: Path) -> None:
    with pytest.raises(RenderError, match="does not exist"):
        RenderJob(scenes=[SceneClip(tmp_path / "gone.jpg", "image", 10, 10)], canvas=CANVAS).validate()
    with pytest.raises(RenderError, match="is not before"):
        RenderJob(
            scenes=[SceneClip(four_three_clip, "video", 640, 480, source_duration=1.5, in_point=2.0)], canvas=CANVAS
        ).validate()
    with pytest.raises(RenderError, match="must be even"):
        RenderJob(
            scenes=[SceneClip(four_three_clip, "video", 640, 480, source_duration=1.5)], canvas=(361, 640)
        ).validate()
    with pytest.raises(RenderError, match="no scenes"):
        RenderJob(scenes=[], canvas=CANVAS).validate()


def test_undecodable_media_fails_naming_the_file_with_the_decoders_error(tmp_path: Path, tts: EspeakTts) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"this is not a video" * 100)
    job = RenderJob(scenes=[SceneClip(broken, "video", 640, 360, source_duration=2.0)], canvas=CANVAS)
    # The clip's colour is probed before the graph is built, so ffprobe is the first to refuse it.
    with pytest.raises(RenderError, match="ffprobe cannot read broken.mp4") as error:
        render_video(job, tts, tmp_path / "work")
    assert "Invalid data" in str(error.value)


def test_progress_lines_become_fractions() -> None:
    assert parse_progress_line("out_time_us=5000000\n", 10.0) == 0.5
    assert parse_progress_line("out_time_us=N/A", 10.0) is None
    assert parse_progress_line("out_time_us=20000000", 10.0) == 1.0
    assert parse_progress_line("progress=end", 10.0) == 1.0
    assert parse_progress_line("fps=30.0", 10.0) is None
