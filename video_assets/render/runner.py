"""render_video: narrate every scene, plan frames, write subtitles and stills, encode in one ffmpeg pass."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image

from video_assets.render.clock import StageClock
from video_assets.render.colour import SourceColour, probe_colour
from video_assets.render.errors import RenderError
from video_assets.render.ffmpeg_run import extract_frame, probe, run_ffmpeg
from video_assets.render.fit import pan_canvas
from video_assets.render.fonts import FontFace, find_font
from video_assets.render.frame_samples import FrameTap
from video_assets.render.glyphs import fallback_fonts, font_for_text, without_invisible
from video_assets.render.graph import StillInputs, build_command, build_loudness_command
from video_assets.render.held_frames import held_frame
from video_assets.render.images import composite_scene_image, draw_cover, fit_picture, load_rgb, prepare_logo
from video_assets.render.loudness import gain_to_target, measure_integrated_loudness
from video_assets.render.overlap import work_beside
from video_assets.render.subtitles import SubtitleCue, build_cues, layout_for, write_ass, write_srt
from video_assets.render.timeline import NARRATION_LEAD, RenderJob, TimelinePlan, overrun_problem, plan_timeline
from video_assets.tracing import child_span
from video_assets.tts.base import Narration, TtsEngine, TtsError

COVER_FRAME_OFFSET = 1.0
# Threads beside a render's own: the pictures while it narrates, then the covers and the stills' copies while it
# encodes.
BESIDE_WORKERS = 2
# Scenes narrated at once.
TTS_WORKERS = 3
PNG_COMPRESS_LEVEL = 1


@dataclass(frozen=True)
class RenderResult:
    video_path: Path
    cover_path: Path
    ass_path: Path | None  # None when no scene has narration
    srt_path: Path | None
    platform_covers: dict[str, Path]
    duration: float
    width: int
    height: int
    size_bytes: int
    planned_duration: float
    # (start, end) seconds of each scene on the video timeline: the render checks sample every scene.
    scene_spans: tuple[tuple[float, float], ...] = ()
    # What an editable export needs to rebuild the render frame-exactly (render/saved_timeline.py).
    plan: TimelinePlan | None = None
    cues: tuple[SubtitleCue, ...] = ()
    stills: dict[int, Path] = field(default_factory=dict)  # per image / held-still scene: the picture panned over, PNG
    # Grey copies of the frames the black check judges, written by the pass itself (render/frame_samples.py).
    frame_tap: FrameTap | None = None


def render_video(
    job: RenderJob,
    tts: TtsEngine,
    workdir: Path,
    on_progress: Callable[[float], None] | None = None,
    clock: StageClock | None = None,
) -> RenderResult:
    """Render `job` into workdir/video.mp4 (+ cover.jpg, subtitles.ass/.srt). The caller owns workdir cleanup;
    `clock` receives the seconds of the tts, stills, ffmpeg and covers stages: stills and covers are made beside
    the narration and the pass, so theirs are the seconds those did not hide. Narration that makes the video
    longer than `job.target_seconds` allows is a RenderError, raised before the encode."""
    job.validate()
    clock = clock or StageClock()
    workdir.mkdir(parents=True, exist_ok=True)
    with work_beside(BESIDE_WORKERS) as beside:
        # The pictures need no narration: they are composited while the scenes are narrated.
        pictures = beside.submit(_pictures, job, workdir)
        with clock.stage("tts"):
            narrations = _narrate(job, tts, workdir)
        plan = plan_timeline(job, narrations)
        overrun = overrun_problem(job, plan)
        if overrun:
            raise RenderError(overrun)  # before anything is encoded: the narration, not the encoder, is at fault
        cues = _cues(job, plan)
        ass_path = (
            write_ass(cues, job.subtitles, job.canvas, workdir / "subtitles.ass", safe=job.safe_area) if cues else None
        )
        burn_in = workdir / "burn-in.ass"
        burn_in_path = (
            write_ass(cues, job.subtitles, job.canvas, burn_in, for_burn_in=True, safe=job.safe_area) if cues else None
        )
        srt_path = write_srt(cues, workdir / "subtitles.srt") if cues else None
        # The soundtrack is measured while the pictures are finished: neither needs the other.
        with clock.stage("stills"):
            loudness = beside.submit(measure_integrated_loudness, build_loudness_command(job, plan), plan.duration)
            stills = _stills(job, workdir, burn_in_path, pictures.result())
            gain_db = gain_to_target(loudness.result())
        video_path = workdir / "video.mp4"
        tap = FrameTap.for_render(plan.total_frames, plan.fps, _scene_spans(plan), job.canvas, workdir / "tap.gray")
        command = build_command(job, plan, stills, video_path, _watermark_font(job).path, gain_db, tap)
        (workdir / "ffmpeg-command.txt").write_text("\n".join(command), encoding="utf-8")
        # Covers and the stills' lossless copies need only the sources: made while ffmpeg encodes, and read after it,
        # so a failed pass is still the error reported.
        covers = beside.submit(_covers, job, workdir)
        keepsakes = beside.submit(_lossless_stills, stills.scene_images, workdir)
        with clock.stage("ffmpeg"):
            run_ffmpeg(command, plan.duration, workdir / "ffmpeg-stderr.log", on_progress)
        with clock.stage("covers"):  # only what the pass did not hide
            cover_path, platform_covers = covers.result()
            kept_stills = keepsakes.result()
    result = _result(video_path, cover_path, platform_covers, ass_path, srt_path, plan)
    return replace(result, plan=plan, cues=tuple(cues), stills=kept_stills, frame_tap=tap)


@dataclass(frozen=True)
class _Pictures:
    """What the stills stage makes before the narration is known: every picture a scene pans over, the logo, and
    the colour of every video scene's clip."""

    scene_images: dict[int, Path]
    logo: tuple[Path, int, int] | None
    clip_colours: dict[int, SourceColour]


def _pictures(job: RenderJob, workdir: Path) -> _Pictures:
    colours = _clip_colours(job)
    scene_images = {
        index: composite_scene_image(
            held_frame(scene, colours[index], workdir / f"held-{index:02d}.bmp")
            if scene.held_still
            else scene.media_path,
            pan_canvas(job.canvas),
            workdir / f"scene-{index:02d}.bmp",
        )
        for index, scene in enumerate(job.scenes)
        if scene.kind == "image" or scene.held_still
    }
    return _Pictures(scene_images, _logo(job, workdir), colours)


def _stills(job: RenderJob, workdir: Path, ass_path: Path | None, pictures: _Pictures) -> StillInputs:
    return StillInputs(
        scene_images=pictures.scene_images,
        logo=pictures.logo,
        ass_path=ass_path if job.subtitles.enabled else None,
        watermark_text_path=_watermark_text(job, workdir),
        clip_colours=pictures.clip_colours,
    )


def _lossless_stills(scene_images: dict[int, Path], workdir: Path) -> dict[int, Path]:
    """The pictures the scenes pan over as PNG, for the saved timeline: every pixel of the BMP ffmpeg reads, at a
    fifth of its size. Compression level 1 costs a third of the default's time for 15% more bytes."""
    kept: dict[int, Path] = {}
    for index, picture in scene_images.items():
        with Image.open(picture) as image:
            image.save(workdir / f"still-{index:02d}.png", compress_level=PNG_COMPRESS_LEVEL)
        kept[index] = workdir / f"still-{index:02d}.png"
    return kept


def _clip_colours(job: RenderJob) -> dict[int, SourceColour]:
    by_path = {scene.media_path: probe_colour(scene.media_path) for scene in job.scenes if scene.kind == "video"}
    return {index: by_path[scene.media_path] for index, scene in enumerate(job.scenes) if scene.kind == "video"}


def _narrate(job: RenderJob, tts: TtsEngine, workdir: Path) -> list[Narration | None]:
    """Scenes are narrated a few at a time: each call is an espeak-ng child or a vendor round trip that leaves the
    CPU mostly idle (the vendor guard bounds what reaches a vendor). A failure is reported for the first failing
    scene in scene order, as when they were narrated one by one."""

    def speak(index: int, text: str) -> Narration:
        with child_span("tts", {"video_assets.scene": index, "video_assets.characters": len(text)}):
            return tts.synthesize(text, job.language, job.voice, workdir / f"narration-{index:02d}.wav")

    with work_beside(TTS_WORKERS) as pool:
        spoken = {
            index: pool.submit(speak, index, scene.narration)
            for index, scene in enumerate(job.scenes)
            if scene.narration.strip()
        }
        narrations: list[Narration | None] = []
        for index in range(len(job.scenes)):
            try:
                narrations.append(spoken[index].result() if index in spoken else None)
            except TtsError as exc:
                raise RenderError(f"scene {index}: narration failed: {exc}") from exc
    return narrations


def _cues(job: RenderJob, plan: TimelinePlan) -> list[SubtitleCue]:
    max_em = layout_for(job.subtitles, job.canvas, job.safe_area).max_em
    cues: list[SubtitleCue] = []
    for scene in plan.scenes:
        if scene.narration is None:
            continue
        offset = scene.start_frame / plan.fps + NARRATION_LEAD
        words = [replace(word, start=word.start + offset, end=word.end + offset) for word in scene.narration.words]
        cues += build_cues(words, (scene.start_frame + scene.slot_frames) / plan.fps, max_em)
    return cues


def _logo(job: RenderJob, workdir: Path) -> tuple[Path, int, int] | None:
    if job.watermark is None or job.watermark_image_path is None:
        return None
    mark = job.watermark
    return prepare_logo(job.watermark_image_path, job.canvas[0], mark.scale, mark.opacity, workdir / "logo.png")


def _drawn_watermark_text(job: RenderJob) -> str:
    return " ".join(without_invisible(job.watermark.text or "").split()) if job.watermark else ""


def _watermark_text(job: RenderJob, workdir: Path) -> Path | None:
    text = _drawn_watermark_text(job)
    if not text:
        return None
    path = workdir / "watermark.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _watermark_font(job: RenderJob) -> FontFace:
    """The first font of the fallback chain that draws the whole watermark (drawtext draws with one font); the
    render's own font when none does, which submit refuses, so only a request older than that rule gets here."""
    text = _drawn_watermark_text(job)
    covering = font_for_text(text, fallback_fonts()) if text else None
    return covering.face if covering else find_font()


def _covers(job: RenderJob, workdir: Path) -> tuple[Path, dict[str, Path]]:
    """The cover at the video's size, and one per platform at that platform's aspect, all from the same picture:
    the source itself, so a cover of another shape is cut from everything the source has, not from the video."""
    index = min(max(job.cover_scene_index, 0), len(job.scenes) - 1)
    scene = job.scenes[index]
    if scene.kind == "image":
        source = load_rgb(scene.media_path, max_side=max(job.canvas) * 2)
    elif scene.held_still:  # too short to seek into: the cover is the still the scene shows
        source = load_rgb(held_frame(scene, probe_colour(scene.media_path), workdir / "cover-frame.bmp"))
    else:
        clip_in, clip_out = scene.window()
        at = clip_in + min(COVER_FRAME_OFFSET, (clip_out - clip_in) / 2)
        source = load_rgb(extract_frame(scene.media_path, at, workdir / "cover-frame.png"))
    main = draw_cover(fit_picture(source, job.canvas), job.title, workdir / "cover.jpg", job.safe_area)
    platforms = {
        name: draw_cover(fit_picture(source, spec.size), spec.title, workdir / f"cover-{name}.jpg", spec.safe_area)
        for name, spec in job.platform_covers.items()
    }
    return main, platforms


def _result(
    video_path: Path,
    cover_path: Path,
    platform_covers: dict[str, Path],
    ass_path: Path | None,
    srt_path: Path | None,
    plan: TimelinePlan,
) -> RenderResult:
    info = probe(video_path)
    video = next((stream for stream in info["streams"] if stream["codec_type"] == "video"), None)
    if video is None:
        raise RenderError(f"ffmpeg wrote {video_path.name} without a video stream")
    return RenderResult(
        video_path=video_path,
        cover_path=cover_path,
        ass_path=ass_path,
        srt_path=srt_path,
        platform_covers=platform_covers,
        duration=float(info["format"]["duration"]),
        width=int(video["width"]),
        height=int(video["height"]),
        size_bytes=video_path.stat().st_size,
        planned_duration=plan.duration,
        scene_spans=_scene_spans(plan),
    )


def _scene_spans(plan: TimelinePlan) -> tuple[tuple[float, float], ...]:
    return tuple(
        (scene.start_frame / plan.fps, (scene.start_frame + scene.slot_frames) / plan.fps) for scene in plan.scenes
    )
