"""The single-pass ffmpeg graph: fitted scenes, head/body/tail xfades, burnt subtitles, watermark, mixed audio."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg
from ffmpeg.nodes import InputNode

from video_assets.render.colour import OUTPUT_TAGS, RGB_TO_OUTPUT, SETPARAMS, SourceColour
from video_assets.render.fit import Fit, background_size, cover, pan_canvas, plan_fit
from video_assets.render.frame_samples import FrameTap
from video_assets.render.loudness import PEAK_CEILING
from video_assets.render.timeline import NARRATION_LEAD, RenderJob, ScenePlan, TimelinePlan

# Slow a short clip down by up to this factor before holding its last frame.
MAX_SLOWDOWN = 1.5
# A clip is decoded from this long before its in point, to find the frame on screen there (sources down to 2 fps).
SEEK_LOOKBACK = 0.5
# The in point is written in milliseconds: a cut this far after a frame's start keeps that frame however it rounds.
CUT_MARGIN = 0.001
# Where the pan window starts and ends, as fractions of the spare margin; scenes take turns so stills alternate.
PAN_PATHS = (((0.0, 0.0), (1.0, 1.0)), ((1.0, 0.0), (0.0, 1.0)), ((1.0, 1.0), (0.0, 0.0)), ((0.0, 1.0), (1.0, 0.0)))
PAN_SECONDS = 6.0
# Bilinear is visibly the same as the bicubic default at these ratios and cheaper on every frame.
SCALE_FLAGS = "bilinear"
BACKGROUND_BLUR_RADIUS = 8
WATERMARK_FONT_RATIO = 0.035
WATERMARK_GAP = 8
DUCK = {"threshold": 0.03, "ratio": 8, "attack": 20, "release": 350}
SAMPLE_RATE = 48000


class DistinctInput(InputNode):
    """An input that is never merged with an equal one.

    ffmpeg-python treats structurally equal nodes as one node; a clip looped or reused by two scenes must get a
    demuxer of its own, or ffmpeg would feed the same frames to both branches at once and buffer one of them.
    """

    _serial = itertools.count()

    def __init__(self, filename: str, **options: Any) -> None:
        self.serial = next(self._serial)
        fmt = options.pop("f", None)
        if fmt:
            options["format"] = fmt
        super().__init__("input", kwargs={"filename": filename, **options})

    def __hash__(self) -> int:
        return hash((super().__hash__(), self.serial))

    def __eq__(self, other: object) -> bool:
        return hash(self) == hash(other)


def _input(path: Path | str, **options: Any) -> Any:
    return DistinctInput(str(path), **options).stream()


@dataclass(frozen=True)
class StillInputs:
    """Files prepared before the graph is built: one picture (`pan_canvas` sized) per image scene and per clip held
    as a still, the logo, and the colour of every video scene's clip, probed."""

    scene_images: dict[int, Path]
    logo: tuple[Path, int, int] | None
    ass_path: Path | None
    watermark_text_path: Path | None
    clip_colours: dict[int, SourceColour]


def build_command(
    job: RenderJob,
    plan: TimelinePlan,
    stills: StillInputs,
    out_path: Path,
    font_file: Path,
    gain_db: float,
    tap: FrameTap | None = None,
) -> list[str]:
    """The one ffmpeg pass; `gain_db` comes from measuring `build_loudness_command`'s soundtrack. With a `tap`, the
    pass also writes grey copies of the frames the black check judges (render/frame_samples.py)."""
    scenes = [_scene_video(job, plan, index, scene, stills) for index, scene in enumerate(plan.scenes)]
    video = _join_with_transitions(job, plan, scenes)
    if stills.ass_path is not None:
        video = video.filter("ass", filename=str(stills.ass_path))  # kwarg: ffmpeg-python escapes positional args twice
    video = _watermark(job, video, stills, font_file)
    video = video.filter("format", "yuv420p").filter("setparams", **SETPARAMS)
    tapped: list[Any] = []
    if tap is not None:
        copies = video.filter_multi_output("split", 2)
        video = copies[0]
        grey = (
            copies[1]
            .filter("select", expr=tap.selection())
            .filter("scale", *tap.size, flags="area")
            .filter("format", "gray")
            .filter("setpts", f"PTS+{tap.lead_seconds():.4f}/TB")
        )
        tapped.append(ffmpeg.output(grey, str(tap.path), format="rawvideo", fps_mode="passthrough"))
    audio = _normalised_soundtrack(job, plan, gain_db)
    output = ffmpeg.output(
        video,
        audio,
        str(out_path),
        vcodec="libx264",
        pix_fmt="yuv420p",
        crf=job.crf,
        preset=job.preset,
        r=job.fps,
        acodec="aac",
        # The default two-loop coder costs more than the whole audio graph; at 160k the fast one sounds the same.
        aac_coder="fast",
        audio_bitrate="160k",
        ar=SAMPLE_RATE,
        movflags="+faststart",
        **OUTPUT_TAGS,
        **{"frames:v": plan.total_frames},  # bare -frames would also cap the audio, counted in AAC frames
    )
    return (
        ffmpeg.merge_outputs(output, *tapped)
        .global_args("-hide_banner", "-nostats", "-loglevel", "error", "-progress", "pipe:1")
        .compile(overwrite_output=True)
    )


def _scene_video(job: RenderJob, plan: TimelinePlan, index: int, scene: ScenePlan, stills: StillInputs) -> Any:
    if scene.clip.kind == "image" or scene.clip.held_still:
        stream = _ken_burns(job, index, scene, stills.scene_images[index])
    else:
        stream = _fitted_clip(job, scene, stills.clip_colours[index])
    # Exact frame count: fps last, then pad by cloning and cut, so xfade offsets can never drift.
    return (
        stream.filter("tpad", stop_mode="clone", stop_duration=f"{scene.seconds(job.fps) + 1:.3f}")
        .filter("trim", end_frame=scene.frames)
        .filter("setpts", "PTS-STARTPTS")
        .filter("setsar", "1")
        .filter("format", "yuv420p")
    )


def _ken_burns(job: RenderJob, index: int, scene: ScenePlan, canvas_image: Path) -> Any:
    """Pan a crop window across a picture composited once, a little larger than the canvas.

    The picture is decoded and converted once and looped by reference; a moving crop only shifts plane pointers.
    zoompan rescaled every frame instead, which cost a fifth of the whole filter graph.
    """
    width, height = job.canvas
    spare_x, spare_y = (big - small for big, small in zip(pan_canvas(job.canvas), job.canvas, strict=True))
    (start_x, start_y), (end_x, end_y) = PAN_PATHS[index % len(PAN_PATHS)]
    # Short scenes travel part of the way, so the picture never sweeps past faster than a full pan in PAN_SECONDS.
    reach = min(scene.seconds(job.fps) / PAN_SECONDS, 1.0)
    last = max(scene.frames - 1, 1)

    def path(start: float, end: float, spare: int) -> str:
        origin = spare * (0.5 + (start - 0.5) * reach)
        return f"{origin:.2f}+{spare * (end - start) * reach / last:.5f}*n"

    return (
        _input(canvas_image)
        .video.filter("scale", **RGB_TO_OUTPUT)
        .filter("format", "yuv420p")
        .filter("loop", loop=scene.frames - 1, size=1, start=0)
        .filter("setpts", f"N/{job.fps}/TB")
        .filter("fps", job.fps)
        .filter("crop", w=width, h=height, x=path(start_x, end_x, spare_x), y=path(start_y, end_y, spare_y), exact=1)
    )


def clip_slowdown(available: float, needed: float) -> float:
    """How much a clip window of `available` seconds is slowed to fill `needed`: 1 when it is long enough.

    Rounded as the setpts expression writes it, so that the saved timeline's speed is the one rendered."""
    return 1.0 if available >= needed else round(min(needed / available, MAX_SLOWDOWN), 4)


def _fitted_clip(job: RenderJob, scene: ScenePlan, colour: SourceColour) -> Any:
    """Output frame n shows the source frame on screen at `in point + n / fps * speed`: SavedScene.source_time.

    Decoding starts SEEK_LOOKBACK before the in point, because `-ss` drops the frame still on screen there (it
    started earlier); `fps` from time 0 with `round=up` then keeps, for every output frame, the last source frame
    that started at or before it. Its default `near` rounding shows a slowed or other-rate frame up to half an
    output frame early, one source frame off the saved timeline."""
    clip = scene.clip
    clip_in, clip_out = clip.window()
    available = clip_out - clip_in
    needed = scene.seconds(job.fps)
    lead = min(clip_in, SEEK_LOOKBACK)
    # Never a loop (a restarting shot reads as a glitch, its burnt-in clock jumps back): slowed as far as still
    # looks natural, then its last frame held for the rest, as an editor's freeze frame. One input, one frame kept.
    slowdown = clip_slowdown(available, needed)
    # A slowed clip's last frame is the one on screen an output frame before its out point (SavedScene.source_time):
    # a frame that starts in that last interval, when the out point falls between frames, is never shown.
    slowed_window = available - 1 / job.fps + CUT_MARGIN
    length = lead + (needed + 0.1 if available >= needed else slowed_window)
    stream = _input(clip.media_path, ss=f"{clip_in - lead:.3f}", t=f"{length:.4f}").video
    stream = stream.filter("setpts", f"(PTS-{lead:.3f}/TB)*{slowdown:.4f}")
    held = needed - available * slowdown
    if held > 0:
        stream = stream.filter("tpad", stop_mode="clone", stop_duration=f"{held + 0.1:.3f}")
    # Frames are picked before the fit, so the lookback's frames and a fast source's extra ones are never scaled.
    stream = stream.filter("fps", job.fps, start_time=0, round="up")
    return _fit(stream, plan_fit(clip.width, clip.height, job.canvas), job.canvas, colour.to_output())


def _fit(stream: Any, fit: Fit, canvas: tuple[int, int], colour: dict[str, str]) -> Any:
    """The scales that fit the clip also convert it to the output's colour: no extra pass over the frames."""
    width, height = canvas
    if fit.mode == "cover":
        scaled = stream.filter("scale", *fit.scaled, flags=SCALE_FLAGS, **colour)
        return scaled.filter("crop", width, height, *fit.offset)
    split = stream.filter_multi_output("split", 2)
    tiny = background_size(canvas)
    tiny_fit = cover(fit.scaled[0], fit.scaled[1], tiny)
    background = (
        split[0]
        .filter("scale", *tiny_fit.scaled, flags=SCALE_FLAGS, **colour)
        .filter("crop", *tiny, *tiny_fit.offset)
        .filter("boxblur", luma_radius=_blur_radius(tiny), luma_power=2)
        .filter("eq", brightness=-0.08)
        .filter("scale", width, height, flags=SCALE_FLAGS)
    )
    foreground = split[1].filter("scale", *fit.scaled, flags=SCALE_FLAGS, **colour)
    return ffmpeg.overlay(background, foreground, x=fit.offset[0], y=fit.offset[1])


def _blur_radius(size: tuple[int, int]) -> int:
    """boxblur refuses a radius over half the smaller chroma plane side (a quarter of the picture's in 4:2:0)."""
    return max(1, min(BACKGROUND_BLUR_RADIUS, min(size) // 4))


def _join_with_transitions(job: RenderJob, plan: TimelinePlan, scenes: list[Any]) -> Any:
    """xfade only the overlapping frames (head of one scene, tail of the previous) and concat the rest.

    ffmpeg 5.1's xfade converts every frame to yuv444p and back, so a chained xfade over whole scenes is slow.
    """
    overlap = plan.transition_frames
    if overlap == 0:
        return ffmpeg.concat(*scenes, v=1, a=0) if len(scenes) > 1 else scenes[0]
    pieces: list[Any] = []
    previous_tail: Any = None
    last = len(scenes) - 1
    for index, (stream, scene) in enumerate(zip(scenes, plan.scenes, strict=True)):
        head_end = overlap if index > 0 else 0
        tail_start = scene.frames - overlap if index < last else scene.frames
        parts = stream.filter_multi_output("split", 1 + (index > 0) + (index < last))
        outlet = iter(range(3))
        if index > 0:
            head = _frames(parts[next(outlet)], 0, head_end)
            pieces.append(_transition(job.transition.type, previous_tail, head, overlap / job.fps))
        pieces.append(_frames(parts[next(outlet)], head_end, tail_start))
        if index < last:
            previous_tail = _frames(parts[next(outlet)], tail_start, scene.frames)
    return ffmpeg.concat(*pieces, v=1, a=0)


def _transition(kind: str, outgoing: Any, incoming: Any, seconds: float) -> Any:
    if kind == "fade":
        # The same cross-fade as xfade's `fade`, at a fifth of the cost: xfade blends every sample in floats,
        # overlay blends with SIMD and only the alpha plane is faded.
        fading_in = incoming.filter("format", "yuva420p").filter("fade", t="in", st=0, d=f"{seconds:.4f}", alpha=1)
        return ffmpeg.overlay(outgoing, fading_in, format="yuv420", eof_action="pass")
    return ffmpeg.filter([outgoing, incoming], "xfade", transition=kind, duration=f"{seconds:.4f}", offset=0)


def _frames(stream: Any, start: int, end: int) -> Any:
    return stream.filter("trim", start_frame=start, end_frame=end).filter("setpts", "PTS-STARTPTS")


def _watermark(job: RenderJob, video: Any, stills: StillInputs, font_file: Path) -> Any:
    mark = job.watermark
    if mark is None:
        return video
    width, height = job.canvas
    margin = round(mark.margin * width / 1080)
    left = mark.corner.endswith("left")
    top = mark.corner.startswith("top")
    # The chosen margin, or more where a target platform's interface covers that corner.
    safe_left, safe_top, safe_right, safe_bottom = job.safe_area.pixels(job.canvas)
    margin_x = max(margin, safe_left if left else width - safe_right)
    margin_y = max(margin, safe_top if top else height - safe_bottom)
    logo_height = 0
    if stills.logo is not None:
        logo_path, logo_width, logo_height = stills.logo
        x = margin_x if left else width - logo_width - margin_x
        y = margin_y if top else height - logo_height - margin_y
        # Converted here, or overlay's own conversion of the RGBA logo would use the BT.601 matrix.
        logo = _input(logo_path).video.filter("scale", **RGB_TO_OUTPUT).filter("format", "yuva420p")
        video = ffmpeg.overlay(video, logo, x=x, y=y, eof_action="repeat")
    if stills.watermark_text_path is not None:
        shift = logo_height + WATERMARK_GAP if logo_height else 0
        # The text comes from a file and expansion is off: user text can neither inject filters nor run %{...}.
        video = video.filter(
            "drawtext",
            textfile=str(stills.watermark_text_path),
            expansion="none",
            fontfile=str(font_file),
            fontsize=max(round(width * WATERMARK_FONT_RATIO), 10),
            fontcolor=f"white@{mark.opacity:.2f}",
            borderw=2,
            bordercolor=f"black@{mark.opacity * 0.6:.2f}",
            x=str(margin_x) if left else f"w-tw-{margin_x}",
            y=str(margin_y + shift) if top else f"h-th-{margin_y + shift}",
        )
    return video


def build_loudness_command(job: RenderJob, plan: TimelinePlan) -> list[str]:
    """An audio-only pass over the same soundtrack that prints its EBU R128 integrated loudness."""
    measured = _soundtrack(job, plan).filter("ebur128", framelog="verbose")
    return (
        ffmpeg.output(measured, "-", format="null")
        .global_args("-hide_banner", "-nostats", "-loglevel", "info")
        .compile(overwrite_output=True)
    )


def _normalised_soundtrack(job: RenderJob, plan: TimelinePlan, gain_db: float) -> Any:
    return (
        _soundtrack(job, plan)
        .filter("volume", f"{gain_db:.2f}dB")
        # Catches the peaks the gain pushes over the ceiling; `latency` keeps the audio in sync with the video.
        .filter("alimiter", limit=f"{PEAK_CEILING:.4f}", level=0, latency=1)
        .filter("apad")
        .filter("atrim", end=f"{plan.duration:.4f}")
    )


def _soundtrack(job: RenderJob, plan: TimelinePlan) -> Any:
    """Narration slots in scene order, with the BGM mixed under them; not yet loudness-normalised."""
    total = plan.duration
    slots = []
    for scene in plan.scenes:
        slot = scene.slot_frames / plan.fps
        if scene.narration is None:
            slots.append(_silence(slot))
            continue
        slots.append(
            _normalised(_input(scene.narration.audio_path).audio)
            .filter("adelay", delays=round(NARRATION_LEAD * 1000), all=1)
            .filter("apad")
            .filter("atrim", end=f"{slot:.4f}")
            .filter("asetpts", "PTS-STARTPTS")
        )
    narration = ffmpeg.concat(*slots, v=0, a=1) if len(slots) > 1 else slots[0]
    return _with_bgm(job, narration, total) if job.bgm_path is not None else narration


def _with_bgm(job: RenderJob, narration: Any, total: float) -> Any:
    volume = job.bgm.volume if job.bgm else 0.25
    fade_out = min(job.bgm.fade_out if job.bgm else 2.0, total / 2)
    music = (
        _normalised(_input(job.bgm_path, stream_loop=-1).audio)
        .filter("atrim", end=f"{total:.4f}")
        .filter("asetpts", "PTS-STARTPTS")
        .filter("volume", f"{volume:.3f}")
    )
    if job.bgm is None or job.bgm.duck:
        voice = narration.filter_multi_output("asplit", 2)
        narration = voice[0]
        music = ffmpeg.filter([music, voice[1]], "sidechaincompress", **DUCK)
    if fade_out > 0:
        music = music.filter("afade", t="out", st=f"{total - fade_out:.3f}", d=f"{fade_out:.3f}")
    return ffmpeg.filter([narration, music], "amix", inputs=2, duration="first", normalize=0)


def _normalised(stream: Any) -> Any:
    return stream.filter("aresample", SAMPLE_RATE).filter("aformat", sample_fmts="fltp", channel_layouts="stereo")


def _silence(seconds: float) -> Any:
    return _input(f"anullsrc=r={SAMPLE_RATE}:cl=stereo", f="lavfi", t=f"{seconds:.4f}").audio.filter(
        "aformat", sample_fmts="fltp", channel_layouts="stereo"
    )
