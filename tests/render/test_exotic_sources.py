"""Clips ingestion keeps as fetched (MS-MPEG4 AVI, VP9 WebM, GIF) render directly, each scene from its own range."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.media_samples import clip
from tests.render.probing import frame_at, probe_streams, stream
from video_assets.render import RenderJob, SceneClip, render_video
from video_assets.request_schema import Transition
from video_assets.tts import EspeakTts

CANVAS = (180, 320)
SOURCES = (
    ("red.avi", "msmpeg4", "red", (255, 0, 0)),
    ("green.webm", "libvpx-vp9", "lime", (0, 255, 0)),
    ("blue.gif", "gif", "blue", (0, 0, 255)),
)


FPS = 30


def test_msmpeg4_vp9_and_gif_clips_render_without_a_transcode_each_from_its_own_range(
    tmp_path: Path, tts: EspeakTts
) -> None:
    scenes = [
        SceneClip(
            clip(tmp_path / name, 320, 180, seconds=3.0, fps=15, codec=codec, source=f"color=c={colour}", audio=False),
            "video",
            320,
            180,
            source_duration=3.0,
            in_point=1.0,
        )
        for name, codec, colour, _ in SOURCES
    ]
    job = RenderJob(scenes=scenes, canvas=CANVAS, fps=FPS, transition=Transition(type="fade", duration=0.0))
    result = render_video(job, tts, tmp_path / "render")
    video = stream(probe_streams(result.video_path), "video")
    assert int(video["nb_read_frames"]) == 3 * 2 * FPS
    for index, (_, _, _, expected) in enumerate(SOURCES):
        centre = frame_at(result.video_path, 2.0 * index + 1.0, CANVAS)[140:180, 70:110].reshape(-1, 3)
        assert np.abs(centre.mean(axis=0) - expected).max() < 40, (index, centre.mean(axis=0))
