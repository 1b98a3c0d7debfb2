"""Is a rendered video black? Frames sampled across its whole length (one per scene, one every few seconds) and
judged by how much of each frame is lit, so a night sky, a deep-space photo or a dark room is not taken for black.

Measured on real renders (1080x1920 and 1920x1080, x264, luma scaled to 0-255 full range): a black picture decodes
to luma 0 and our own subtitles and watermark light at most 1.6% of it, while a near-black starry sky (its
background at luma 3-12) lights 48-84% of the frame above `LIT_LUMA`, a Hubble deep field 93% and a dimmed indoor
clip 68%. `BLACK_FRAME_MAX_LIT_SHARE` sits between the two groups with room on both sides."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from video_assets.deadlines import pass_budget, run_with_deadline
from video_assets.media.tools import file_arg
from video_assets.render.errors import RenderError
from video_assets.render.frame_samples import FrameTap, sample_size

# A pixel brighter than this (0-255, full range) shows something; x264 keeps a black picture at 0.
LIT_LUMA = 4
# A frame with less of it lit than this is black: subtitles and a watermark over black stay far below it.
BLACK_FRAME_MAX_LIT_SHARE = 0.10
_SHOWN_AT = re.compile(r"Parsed_showinfo.*?pts_time:\s*(-?[0-9.]+)")


@dataclass(frozen=True)
class FrameSample:
    at: float  # seconds into the video
    mean_luma: float  # 0-255
    lit_share: float  # share of pixels brighter than LIT_LUMA

    @property
    def black(self) -> bool:
        return self.lit_share < BLACK_FRAME_MAX_LIT_SHARE


def sample_frames(video: Path, times: list[float], width: int, height: int) -> list[FrameSample]:
    """One decode that skips B-frames (about half the decoding work; on x264 output the frames left decode
    identically to a full decode, measured) and keeps the first decoded frame at or after each time; a frame two
    times share is judged once."""
    size = sample_size(width, height)
    # `prev_t` is NaN on the first frame, so a time at 0 is matched by the first frame explicitly.
    wanted = "+".join(f"gte(t\\,{at})*(isnan(prev_t)+lt(prev_t\\,{at}))" for at in times)
    result = run_with_deadline(
        [
            "ffmpeg",
            "-hide_banner",
            "-v",
            "info",
            "-skip_frame",
            "bidir",
            "-i",
            file_arg(video),
            "-an",
            "-vf",
            f"select='gt({wanted}\\,0)',showinfo,scale={size[0]}:{size[1]}:flags=area,format=gray",
            "-fps_mode",
            "passthrough",
            "-f",
            "rawvideo",
            "pipe:1",
        ],
        f"sampling frames of {video.name}",
        pass_budget(max(times, default=0.0)),
        RenderError,
    )
    if result.returncode != 0:
        raise RenderError(f"cannot sample the frames of {video.name}: {result.stderr.strip()[-300:]}")
    pixels = size[0] * size[1]
    frames = np.frombuffer(result.stdout, dtype=np.uint8)
    frames = frames[: frames.size // pixels * pixels].reshape(-1, pixels)
    shown_at = [float(match) for match in _SHOWN_AT.findall(result.stderr)]
    if len(shown_at) != len(frames):
        raise RenderError(f"sampling {video.name} gave {len(frames)} frames but {len(shown_at)} timestamps")
    return _judged(shown_at, frames)


def tapped_frames(tap: FrameTap) -> list[FrameSample]:
    """The same samples of a fresh render, from the grey copies its own pass wrote (render/frame_samples.py)."""
    return _judged(tap.times(), tap.read())


def _judged(times: list[float], frames: np.ndarray) -> list[FrameSample]:
    return [
        FrameSample(round(at, 3), round(float(frame.mean()), 2), round(float((frame > LIT_LUMA).mean()), 4))
        for at, frame in zip(times, frames, strict=True)
    ]
