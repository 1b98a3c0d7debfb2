"""An 80 s MS-MPEG4 AVI used by a 4-scene script: transcode it whole at ingestion, transcode only the ranges the
script uses, or render from it directly. Each way's seconds are ingestion plus the render of the same job.

Run: python bench/exotic_clip_bench.py   (prints one JSON line)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.media_samples import clip  # noqa: E402
from video_assets.media.normalise_video import transcode_to_mezzanine  # noqa: E402
from video_assets.media.probe import probe_media  # noqa: E402
from video_assets.render import RenderJob, SceneClip, render_video  # noqa: E402
from video_assets.tts import EspeakTts  # noqa: E402

CLIP_SECONDS = 80.0
SIZE = (1280, 720)
RANGES = ((8.0, 5.0), (27.0, 5.0), (49.0, 5.0), (71.0, 5.0))  # (in point, seconds) of each scene
CANVAS = (1080, 1920)
T = TypeVar("T")


def timed(work: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    value = work()
    return time.perf_counter() - started, value


def render(scenes: list[SceneClip], workdir: Path) -> float:
    job = RenderJob(scenes=scenes, canvas=CANVAS, title="exotic clip")
    seconds, _ = timed(lambda: render_video(job, EspeakTts(), workdir))
    return seconds


def whole_clip_scenes(path: Path) -> list[SceneClip]:
    width, height = SIZE
    return [
        SceneClip(path, "video", width, height, source_duration=CLIP_SECONDS, in_point=start, out_point=start + length)
        for start, length in RANGES
    ]


def transcode_ranges(source: Path, folder: Path) -> list[SceneClip]:
    scenes = []
    for index, (start, length) in enumerate(RANGES):
        part = folder / f"range-{index}.mp4"
        cmd = ["ffmpeg", "-v", "error", "-y", "-ss", f"{start}", "-t", f"{length}", "-i", str(source), "-an"]
        cmd += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", str(part)]
        subprocess.run(cmd, check=True)
        scenes.append(SceneClip(part, "video", *SIZE, source_duration=length))
    return scenes


def run() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="exotic-clip-bench-") as temp:
        root = Path(temp)
        source = clip(root / "long.avi", *SIZE, seconds=CLIP_SECONDS, fps=25, codec="msmpeg4")
        probe = probe_media(source)
        direct_render = render(whole_clip_scenes(source), root / "direct")
        whole_s, mezzanine = timed(
            lambda: transcode_to_mezzanine(source, root / "mezzanine.mp4", probe, 1920, 900.0, 1800.0)
        )
        whole_render = render(whole_clip_scenes(mezzanine), root / "whole")
        ranges_s, range_scenes = timed(lambda: transcode_ranges(source, root))
        ranges_render = render(range_scenes, root / "ranges")
    figures: dict[str, object] = {
        "clip_seconds": CLIP_SECONDS,
        "video_codec": probe.video_codec,
        "scenes": len(RANGES),
        "direct_render_s": round(direct_render, 2),
        "whole_transcode_s": round(whole_s, 2),
        "whole_transcode_render_s": round(whole_render, 2),
        "range_transcode_s": round(ranges_s, 2),
        "range_transcode_render_s": round(ranges_render, 2),
    }
    totals = {
        "direct": direct_render,
        "whole_transcode": whole_s + whole_render,
        "range_transcode": ranges_s + ranges_render,
    }
    figures |= {f"{way}_total_s": round(seconds, 2) for way, seconds in totals.items()}
    figures["fastest"] = min(totals, key=totals.__getitem__)
    figures["whole_transcode_vs_direct"] = round(totals["whole_transcode"] / totals["direct"], 2)
    figures["range_transcode_vs_direct"] = round(totals["range_transcode"] / totals["direct"], 2)
    return figures


if __name__ == "__main__":
    print(json.dumps(run()))
