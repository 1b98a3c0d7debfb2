"""Colour survives the render: bars from a still, a BT.709 clip and a BT.601 clip decode to their source RGB."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.content.colour_bars import bars_image, decode_frame, worst_error
from video_assets.render import RenderJob, SceneClip, render_video
from video_assets.request_schema import SubtitleStyle, Transition
from video_assets.tts import EspeakTts

CANVAS = (360, 640)
# 8-bit YCbCr rounding, 4:2:0 chroma and x264 leave a few levels; the BT.601/709 mix-up this guards against is ~30.
TOLERANCE = 8


def tagged_clip(bars: Path, out: Path, matrix: str, tag: str) -> Path:
    """The bars as a clip converted with `matrix` and tagged as `tag`, the way a camera writes one."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-loop", "1", "-i", str(bars), "-t", "1.2", "-r", "30"]
        + ["-vf", f"scale=out_color_matrix={matrix}:out_range=tv,format=yuv420p", "-c:v", "libx264", "-crf", "12"]
        + ["-colorspace", tag, "-color_primaries", tag, "-color_trc", tag, "-color_range", "tv", str(out)],
        check=True,
        timeout=120,
    )
    return out


def stream_tags(video: Path) -> dict[str, str]:
    info = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_streams", "-of", "json", str(video)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    stream = json.loads(info.stdout)["streams"][0]
    return {key: stream.get(key, "") for key in ("color_space", "color_primaries", "color_transfer", "color_range")}


@pytest.fixture(scope="module")
def render(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("colour")
    # Larger than the canvas: the still is scaled and panned, the clips scaled, as real materials are.
    bars = bars_image(root / "bars.png", (720, 1280))
    hd = tagged_clip(bars, root / "bt709.mp4", "bt709", "bt709")
    sd = tagged_clip(bars_image(root / "bars-sd.png", (480, 854)), root / "bt601.mp4", "bt601", "smpte170m")
    job = RenderJob(
        scenes=[
            SceneClip(bars, "image", 720, 1280),
            SceneClip(hd, "video", 720, 1280, source_duration=1.2),
            SceneClip(sd, "video", 480, 854, source_duration=1.2),
        ],
        canvas=CANVAS,
        transition=Transition(type="none"),
        subtitles=SubtitleStyle(enabled=False),
        preset="ultrafast",
    )
    return render_video(job, EspeakTts(), root / "work").video_path


@pytest.mark.parametrize(("scene", "at"), [("still", 1.5), ("bt709 clip", 3.6), ("bt601 clip", 4.8)])
def test_every_colour_bar_decodes_to_its_source_rgb(render: Path, scene: str, at: float) -> None:
    assert worst_error(decode_frame(render, at, CANVAS)) <= TOLERANCE, scene


def test_the_output_is_tagged_bt709_limited_range(render: Path) -> None:
    assert stream_tags(render) == {
        "color_space": "bt709",
        "color_primaries": "bt709",
        "color_transfer": "bt709",
        "color_range": "tv",
    }
