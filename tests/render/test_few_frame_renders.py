"""A clip of a few frames carries a whole narrated scene: held as a still of its last frame (one picture input, no
loop), in a video of the planned length; a longer clip under a longer line is slowed, then holds its last frame."""

from __future__ import annotations

import subprocess
from pathlib import Path

import dagster as dg
import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from tests.content.colour_bars import bars_image, decode_frame, worst_error
from tests.media_samples import clip, photo
from tests.pipeline.helpers import materialize, pipeline_resources, submit
from tests.render.probing import probe_streams, stream
from tests.speed.samples import ARTICLE
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.media_items import media_items
from video_assets.assets.rendered_videos import rendered_videos
from video_assets.assets.video_scripts import video_scripts
from video_assets.db.engine import session_scope
from video_assets.db.models import MediaItem, RenderedVideo, VideoScript
from video_assets.media.probe import probe_media
from video_assets.render import RenderJob, RenderResult, SceneClip, render_video
from video_assets.render.colour import probe_colour
from video_assets.render.held_frames import held_frame
from video_assets.request_schema import SubtitleStyle, Transition
from video_assets.tts import EspeakTts

CANVAS = (360, 640)
FPS = 30
FEW_FRAMES = (1, 2, 7)
NARRATIONS = ("只有一帧的画面。", "两帧的短片段。", "七帧的连拍画面。")
# 8-bit YCbCr rounding, 4:2:0 chroma and x264 leave a few levels; a BT.601/709 mix-up is ~30 (tests/content).
COLOUR_TOLERANCE = 8


def material(path: Path, narration: str = "") -> SceneClip:
    """A scene the way the pipeline builds one: size and duration as ingestion probed them, out point at the end."""
    probed = probe_media(path)
    assert probed.duration is not None
    return SceneClip(
        path, "video", probed.width, probed.height, probed.duration, out_point=probed.duration, narration=narration
    )


def ffmpeg_inputs(workdir: Path) -> list[str]:
    command = (workdir / "ffmpeg-command.txt").read_text(encoding="utf-8").splitlines()
    return [command[at + 1] for at, argument in enumerate(command) if argument == "-i"]


def decoded_rgb_frames(path: Path, size: tuple[int, int]) -> np.ndarray:
    """Every frame of the clip as RGB, decoded by the ffmpeg CLI's default conversion."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, size[1], size[0], 3).astype(np.int16)


@pytest.fixture(scope="module")
def few_frame_clips(media_dir: Path) -> list[Path]:
    return [clip(media_dir / f"{frames}-frames.mp4", 320, 180, seconds=frames / FPS, fps=FPS) for frames in FEW_FRAMES]


@pytest.fixture(scope="module")
def rendered(
    tmp_path_factory: pytest.TempPathFactory, tts: EspeakTts, few_frame_clips: list[Path]
) -> tuple[Path, RenderResult]:
    job = RenderJob(
        scenes=[material(path, text) for path, text in zip(few_frame_clips, NARRATIONS, strict=True)],
        canvas=CANVAS,
        transition=Transition(type="slideleft", duration=0.4),
        preset="ultrafast",
    )
    workdir = tmp_path_factory.mktemp("few-frames")
    return workdir, render_video(job, tts, workdir)


def test_scenes_from_one_two_and_seven_frame_clips_render_a_valid_video_of_the_planned_duration(rendered) -> None:
    _, result = rendered
    info = probe_streams(result.video_path)
    video, audio = stream(info, "video"), stream(info, "audio")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", *CANVAS)
    assert int(video["nb_read_frames"]) == round(result.planned_duration * FPS)
    assert result.duration == pytest.approx(result.planned_duration, abs=0.1)
    assert float(audio["duration"]) == pytest.approx(result.planned_duration, abs=0.1)
    # Each scene lasts as long as its narration, not its clip: well over the 1-7 frames the clips have.
    assert all(end - start >= 1.0 for start, end in result.scene_spans)
    assert result.cover_path.is_file()


def test_a_held_clip_is_read_as_one_picture_and_never_opened_by_the_main_pass(
    rendered, few_frame_clips: list[Path]
) -> None:
    workdir, _ = rendered
    inputs = ffmpeg_inputs(workdir)
    assert not {str(path) for path in few_frame_clips} & set(inputs)
    assert sorted(Path(name).name for name in inputs if name.endswith(".bmp")) == [
        "scene-00.bmp",
        "scene-01.bmp",
        "scene-02.bmp",
    ]
    # One picture and one narration per scene, however long the scene: the graph does not grow with loops.
    assert len(inputs) == 2 * len(FEW_FRAMES)


@pytest.mark.parametrize(
    ("in_point", "out_point", "frame"),
    [(0.0, None, 6), (0.05, 0.06, 1)],
    ids=["whole clip: its last frame", "window inside one frame's display: that frame"],
)
def test_the_held_picture_is_the_frame_on_screen_when_the_window_ends(
    few_frame_clips: list[Path], tmp_path: Path, in_point: float, out_point: float | None, frame: int
) -> None:
    seven = few_frame_clips[-1]
    scene = material(seven)
    window = SceneClip(seven, "video", 320, 180, scene.source_duration, in_point, out_point or scene.source_duration)
    assert window.held_still

    held = np.asarray(Image.open(held_frame(window, probe_colour(seven), tmp_path / "held.bmp")), np.int16)

    frames = decoded_rgb_frames(seven, (320, 180))
    differences = [float(np.abs(held - decoded).mean()) for decoded in frames]
    # testsrc2 changes every frame, so only the right frame matches.
    assert int(np.argmin(differences)) == frame and differences[frame] < 1.0


def test_a_held_frame_of_an_untagged_hd_clip_is_read_as_bt709_like_the_clip_would_be(
    tmp_path: Path, tts: EspeakTts
) -> None:
    # Untagged, as many phone and screen clips are: players (and our moving clips) take HD as BT.709, while the
    # ffmpeg CLI's own RGB conversion would take it as BT.601 and shift every colour.
    bars = bars_image(tmp_path / "bars.png", (720, 1280))
    one_frame = tmp_path / "bars-untagged-hd.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(bars), "-frames:v", "1", "-r", str(FPS)]
        + ["-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p", "-c:v", "libx264", "-crf", "12"]
        + [str(one_frame)],
        check=True,
        timeout=120,
    )
    job = RenderJob(
        scenes=[material(one_frame)],
        canvas=CANVAS,
        transition=Transition(type="none"),
        subtitles=SubtitleStyle(enabled=False),
        preset="ultrafast",
    )
    result = render_video(job, tts, tmp_path / "work")
    assert worst_error(decode_frame(result.video_path, result.duration / 2, CANVAS)) <= COLOUR_TOLERANCE


def test_a_short_clip_under_a_long_line_is_slowed_then_holds_its_last_frame_and_never_loops(
    media_dir: Path, tmp_path: Path, tts: EspeakTts
) -> None:
    # 0.6 s of moving picture under a line of several seconds: a loop would restart the motion three times.
    short = clip(media_dir / "eighteen-frames.mp4", 320, 180, seconds=0.6, fps=FPS)
    scene = material(short, "这个片段很短，但这句话要说好几秒钟。")
    assert not scene.held_still
    job = RenderJob(scenes=[scene], canvas=CANVAS, preset="ultrafast", subtitles=SubtitleStyle(enabled=False))

    result = render_video(job, tts, tmp_path)

    assert result.planned_duration > 3 * 0.6
    assert ffmpeg_inputs(tmp_path).count(str(short)) == 1
    frames = decoded_rgb_frames(result.video_path, CANVAS)
    assert len(frames) == round(result.planned_duration * FPS)
    moving = int(0.6 * 1.5 * FPS)  # the clip, slowed to the limit
    # Mean change per pixel between neighbouring frames: testsrc2 moves every frame; a held frame only carries the
    # encoder's noise.
    changes = [float(np.abs(frames[at + 1] - frames[at]).mean()) for at in range(len(frames) - 1)]
    steps = sum(change > 1.0 for change in changes[: moving - 2])
    assert steps >= 15, f"the clip's 18 frames show while it plays (slowed frames repeat), saw {steps} steps"
    assert max(changes[moving + 2 :]) < 0.5, "after it, the last frame is held: nothing restarts"


def test_a_request_whose_materials_include_a_one_frame_clip_is_ingested_scripted_and_rendered(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    root = tmp_path / "materials"
    one_frame = clip(root / "one-frame.mp4", 320, 180, seconds=1 / FPS, fps=FPS)
    rocket = photo("rocket", root / "rocket.jpg")
    request_id = submit(
        sqlite_database_url,
        title="实验室的一天",
        markdown=ARTICLE,
        materials=[{"uri": str(one_frame)}, {"uri": str(rocket)}],
        video_count=1,
        aspect="9:16",
        target_duration=10,
    )
    resources = pipeline_resources(sqlite_database_url, None, "", tmp_path, [root])
    with dg.DagsterInstance.ephemeral() as instance:
        assets = [media_items, media_analyses, video_scripts, rendered_videos]
        assert materialize(assets, request_id, instance, resources).success

    with session_scope(sqlite_database_url) as session:
        clip_row = session.scalars(select(MediaItem).filter_by(request_id=request_id, kind="video")).one()
        script = session.scalars(select(VideoScript).filter_by(request_id=request_id)).one()
        video = session.scalars(select(RenderedVideo).filter_by(request_id=request_id)).one()
        shown = [scene["material_id"] for scene in script.scenes]
        assert clip_row.status == "ready" and clip_row.id in shown
        assert video.status == "ready", video.reason
