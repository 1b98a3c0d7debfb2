"""Render benchmark: a 60 s 1080x1920 video from 8 mixed materials vs the bare encode floor, and ffmpeg peak RSS.

Run: python bench/render_bench.py   (prints one JSON line and one markdown table row)
Each render runs in its own child process so RUSAGE_CHILDREN's peak RSS belongs to that render's ffmpeg alone.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.media_samples import clip, photo, tone  # noqa: E402
from video_assets.render import RenderJob, SceneClip, render_video  # noqa: E402
from video_assets.request_schema import Bgm, SubtitleStyle, Transition, Watermark  # noqa: E402
from video_assets.tts import EspeakTts  # noqa: E402

CANVAS = (1080, 1920)
PRESET, CRF = "veryfast", 23
SENTENCE = "人工智能正在改变内容生产的方式，每一个镜头都由旁白驱动。"
SCENES = 8


def make_materials(folder: Path) -> list[SceneClip]:
    photos = [photo(name, folder / f"{name}.jpg") for name in ("astronaut", "coffee", "chelsea", "rocket")]
    clips = [
        (clip(folder / "portrait.mp4", 720, 1280, seconds=6.0), 720, 1280, 6.0),
        (clip(folder / "rotated.mp4", 1280, 720, seconds=4.0, rotation=90), 720, 1280, 4.0),
        (clip(folder / "wide.mp4", 1920, 1080, seconds=8.0, fps=25), 1920, 1080, 8.0),
        (clip(folder / "four-three.mp4", 640, 480, seconds=3.0), 640, 480, 3.0),
    ]
    scenes: list[SceneClip] = []
    for index in range(SCENES // 2):
        with_size = photo_size(photos[index])
        scenes.append(SceneClip(photos[index], "image", *with_size))
        path, width, height, seconds = clips[index]
        scenes.append(SceneClip(path, "video", width, height, source_duration=seconds))
    return scenes


def photo_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def narration_for(seconds_per_scene: float, chars_per_second: float) -> str:
    wanted = max(int(seconds_per_scene * chars_per_second), 6)
    return (SENTENCE * (wanted // len(SENTENCE) + 1))[:wanted].rstrip("，") + "。"


def child_render(seconds: float, workdir: Path) -> dict:
    materials = workdir / "materials"
    materials.mkdir(parents=True, exist_ok=True)
    tts = EspeakTts()
    probe = tts.synthesize(SENTENCE * 2, "zh", None, workdir / "rate.wav")
    chars_per_second = len(SENTENCE * 2) / probe.duration
    per_scene = seconds / SCENES - 0.5
    scenes = [
        replace(scene, narration=narration_for(per_scene, chars_per_second)) for scene in make_materials(materials)
    ]
    bgm = tone(materials / "bgm.mp3", 20, frequency=330)
    logo = photo("coins", materials / "logo.png", size=(300, 150))
    job = RenderJob(
        scenes=scenes,
        canvas=CANVAS,
        transition=Transition(type="fade", duration=0.5),
        subtitles=SubtitleStyle(),
        watermark=Watermark(text="video-assets 水印", corner="top-right"),
        watermark_image_path=logo,
        bgm_path=bgm,
        bgm=Bgm(uri="bgm.mp3"),
        title="渲染基准测试",
        crf=CRF,
        preset=PRESET,
    )
    started = time.perf_counter()
    result = render_video(job, tts, workdir / "render")
    wall = time.perf_counter() - started
    rss_mb = peak_child_rss_mb()
    return {"wall": wall, "duration": result.duration, "rss_mb": rss_mb, "reencode_wall": reencode(result.video_path)}


def x264_seconds(input_args: list[str], out: Path) -> float:
    """Wall time of one plain libx264 encode at the benchmark's preset and CRF."""
    started = time.perf_counter()
    settings = ["-an", "-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF), "-pix_fmt", "yuv420p"]
    subprocess.run(["ffmpeg", "-v", "error", "-y", *input_args, *settings, str(out)], check=True)
    return time.perf_counter() - started


def reencode(video: Path) -> float:
    """Decode the rendered output and encode it again at the same settings: the encode cost of this very content."""
    return x264_seconds(["-i", str(video)], video.with_name("reencoded.mp4"))


def child_floor(seconds: float, workdir: Path) -> dict:
    source = ["-f", "lavfi", "-i", f"testsrc2=size={CANVAS[0]}x{CANVAS[1]}:rate=30", "-t", str(seconds)]
    wall = x264_seconds(source, workdir / "floor.mp4")
    return {"wall": wall, "duration": seconds, "rss_mb": peak_child_rss_mb()}


def peak_child_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux reports KiB


def run_child(kind: str, seconds: float, workdir: Path) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(seconds), str(workdir)], capture_output=True, text=True
    )
    if output.returncode != 0:
        raise SystemExit(f"{kind} {seconds}s failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def per_second(result: dict) -> float:
    """Wall seconds per second of output video, so renders and floors of slightly different lengths compare."""
    return result["wall"] / result["duration"]


def run(pairs: int = 3) -> dict:
    """Alternate render and floor runs so background load hits both alike; report the median ratio."""
    with tempfile.TemporaryDirectory(prefix="render-bench-") as temp:
        root = Path(temp)
        measured = [
            (run_child("render", 60, root / f"r{i}"), run_child("floor", 60, root / f"f{i}")) for i in range(pairs)
        ]
        render_180 = run_child("render", 180, root / "r180")
        render_600 = run_child("render", 600, root / "r600")
    ratios = sorted(per_second(render) / per_second(floor) for render, floor in measured)
    same_output = sorted(render["wall"] / render["reencode_wall"] for render, _ in measured)
    render_60, floor_60 = measured[0]
    return {
        "video_seconds": round(render_60["duration"], 2),
        "render_wall_s": [round(render["wall"], 2) for render, _ in measured],
        "encode_floor_wall_s": [round(floor["wall"], 2) for _, floor in measured],
        "ratios_per_output_second": [round(ratio, 3) for ratio in ratios],
        "median_ratio": round(statistics.median(ratios), 3),
        "target_ratio": 1.5,
        "ratios_vs_reencode_of_same_output": [round(ratio, 3) for ratio in same_output],
        "median_ratio_vs_reencode_of_same_output": round(statistics.median(same_output), 3),
        "ffmpeg_peak_rss_mb_60s": round(render_60["rss_mb"], 1),
        "ffmpeg_peak_rss_mb_180s": round(render_180["rss_mb"], 1),
        "ffmpeg_peak_rss_mb_600s": round(render_600["rss_mb"], 1),
        "render_wall_s_180": round(render_180["wall"], 2),
        "render_wall_s_600": round(render_600["wall"], 2),
        "video_seconds_600": round(render_600["duration"], 2),
        "floor_peak_rss_mb": round(floor_60["rss_mb"], 1),
    }


def main() -> None:
    figures = run()
    print(json.dumps(figures))
    print("| median ratio | ratios | peak RSS 60 s | peak RSS 180 s | peak RSS 600 s |")
    print(
        f"| {figures['median_ratio']} | {figures['ratios_per_output_second']} | {figures['ffmpeg_peak_rss_mb_60s']} MB "
        f"| {figures['ffmpeg_peak_rss_mb_180s']} MB | {figures['ffmpeg_peak_rss_mb_600s']} MB |"
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        kind, seconds, folder = sys.argv[2], float(sys.argv[3]), Path(sys.argv[4])
        folder.mkdir(parents=True, exist_ok=True)
        print(json.dumps((child_render if kind == "render" else child_floor)(seconds, folder)))
    else:
        main()
