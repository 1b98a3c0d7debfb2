"""User text with filter-graph and ASS syntax must come out literally and never change the ffmpeg graph."""

from __future__ import annotations

from pathlib import Path

from tests.render.probing import bright_share, frame_at, probe_streams, stream
from video_assets.render import RenderJob, SceneClip, render_video
from video_assets.request_schema import SubtitleStyle, Transition, Watermark
from video_assets.tts import EspeakTts

CANVAS = (360, 640)
HOSTILE = "it's a:b \\c [x],y;z %{localtime} {\\pos(0,0)}"


def test_hostile_subtitle_watermark_and_path_text_render_literally(
    tmp_path: Path, tts: EspeakTts, black_wide_clip: Path
) -> None:
    workdir = tmp_path / "out dir [1], it's; x=y:z"
    job = RenderJob(
        scenes=[SceneClip(black_wide_clip, "video", 640, 360, source_duration=4.0, narration=f"标题 {HOSTILE}")],
        canvas=CANVAS,
        transition=Transition(type="none"),
        subtitles=SubtitleStyle(size=40, karaoke=False),
        watermark=Watermark(text=HOSTILE, corner="top-left", opacity=1.0),
        title=HOSTILE,
    )
    result = render_video(job, tts, workdir)

    command = (workdir / "ffmpeg-command.txt").read_text(encoding="utf-8")
    assert "localtime" not in command and "pos(0" not in command
    assert "expansion=none" in command
    assert (workdir / "watermark.txt").read_text(encoding="utf-8") == HOSTILE
    ass = result.ass_path.read_text(encoding="utf-8")
    assert "%\\{localtime\\}" in ass and "\\{\\\u2060pos(0,0)\\}" in ass
    assert "{\\pos" not in ass

    assert stream(probe_streams(result.video_path), "video")["width"] == 360
    frame = frame_at(result.video_path, 1.0, CANVAS)
    assert bright_share(frame[10:40, 10:200]) > 0.02  # watermark text drawn in the top-left corner
    assert bright_share(frame[-200:-60, 20:-20]) > 0.01  # subtitle drawn near the bottom
