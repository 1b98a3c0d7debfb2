"""Videos: render from the file as fetched whenever ffmpeg can seek in it, transcode to a mezzanine H.264 MP4 only
when it cannot; extract evenly spaced keyframes with input seeking."""

from __future__ import annotations

import math
from pathlib import Path

from video_assets.media.errors import MaterialRejected
from video_assets.media.probe import MediaProbe
from video_assets.media.tools import INPUT_GUARD, file_arg, run_tool

MAX_MEZZANINE_FPS = 60.0
KEYFRAME_TIMEOUT_S = 60.0
LAST_FRAME_WINDOW_S = 1.0


def needs_transcode(probe: MediaProbe) -> bool:
    """True only for a video without a duration (a live WebM recording, a raw stream): scenes seek into a clip and
    loop it by its duration, so it must be written out once with timestamps and an index.

    Any codec ffmpeg decodes (VP9, MPEG-2, MS-MPEG4, GIF, 10-bit, ...) is rendered from as it is: the render graph
    scales, retimes and converts the colour of every clip anyway, and decoding the few seconds a scene uses costs
    far less than transcoding the whole clip (`bench/exotic_clip_bench.py`)."""
    return probe.duration is None


def fit_within(width: int, height: int, long_side: int) -> tuple[int, int]:
    """Scale down (never up) so the longer side fits, rounding both sides to even numbers for yuv420p."""
    scale = min(1.0, long_side / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def transcode_to_mezzanine(
    source: Path, dest: Path, probe: MediaProbe, long_side: int, max_seconds: float, timeout: float
) -> Path:
    """H.264 yuv420p (+AAC) MP4 of at most `max_seconds` (the source's length is not known before). ffmpeg
    autorotates before our filters, so probe's display size is what we scale."""
    width, height = fit_within(probe.width, probe.height, long_side)
    filters = [f"scale={width}:{height}:flags=lanczos", "setsar=1"]
    if probe.fps is None or probe.fps > MAX_MEZZANINE_FPS:
        filters.append("fps=30")
    filters.append("format=yuv420p")
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-y", *INPUT_GUARD, "-i", file_arg(source), "-t", f"{max_seconds:g}"]
    cmd += ["-map", "0:v:0"]
    cmd += ["-vf", ",".join(filters), "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
    if probe.has_audio:
        cmd += ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k", "-ac", "2"]
    cmd += ["-movflags", "+faststart", file_arg(dest)]
    run_tool(cmd, "transcoding to H.264", timeout)
    return dest


def extract_keyframes(video: Path, probe: MediaProbe, count: int, out_dir: Path, long_side: int) -> tuple[Path, ...]:
    """JPEG frames at `keyframe_moments`. A moment whose seek finds no frame takes the clip's last frame instead (a
    container may state a frame rate its frames do not keep, as GIFs do); a truncated file has no decodable end
    either, so it is still refused."""
    if probe.duration is None:
        raise MaterialRejected("cannot extract keyframes from a video without a duration")
    scale = "scale={}:{}".format(*fit_within(probe.width, probe.height, long_side))
    frames: list[Path] = []
    for index, moment in enumerate(keyframe_moments(probe.duration, probe.fps, count)):
        frame = out_dir / f"keyframe-{index + 1:02d}.jpg"
        seek = ["-ss", f"{moment:.3f}", *INPUT_GUARD, "-i", file_arg(video), "-frames:v", "1"]
        # Every frame of the final second written over one file leaves the last one.
        last = ["-sseof", f"-{LAST_FRAME_WINDOW_S:g}", *INPUT_GUARD, "-i", file_arg(video), "-update", "1"]
        found = _frame(seek, scale, frame, f"a keyframe at {moment:.2f} s") or _frame(
            last, scale, frame, "the last frame"
        )
        if not found:
            raise MaterialRejected(f"could not decode a frame at {moment:.2f} s (truncated or corrupt video)")
        frames.append(frame)
    return tuple(frames)


def keyframe_moments(duration: float, fps: float | None, count: int) -> list[float]:
    """`count` moments at the middles of equal slices of the clip, so none lands on a black first frame.

    ffmpeg's seek gives the first frame at or after a moment, and none past the last frame's start; a clip of a few
    frames (1/30 s each) has its last middles past it. So with a known frame rate each moment moves back to the start
    of the frame it falls in (rounded down to the millisecond, so the seek lands on that frame and not the next),
    and a clip of fewer frames than `count` gives one moment per frame."""
    if not fps:
        return [duration * (index + 0.5) / count for index in range(count)]
    frames = max(1, round(duration * fps))
    count = min(count, frames)
    starts = [min(int(duration * (index + 0.5) / count * fps), frames - 1) for index in range(count)]
    return [math.floor(start / fps * 1000) / 1000 for start in starts]


def _frame(input_args: list[str], scale: str, frame: Path, what: str) -> bool:
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-y", *input_args, "-an", "-vf", scale, "-q:v", "3", file_arg(frame)]
    run_tool(cmd, f"extracting {what}", KEYFRAME_TIMEOUT_S)
    return frame.is_file() and frame.stat().st_size > 0
