"""A valid clip of a few frames (a GIF-like loop, a burst) is a material like any other: ingested with one keyframe
per frame and measured by the vision features. A file that is really cut short is still refused."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from tests.media_samples import clip
from video_assets.media import FetchPolicy, IngestPolicy, MaterialRejected, MaterialSource, ingest_material
from video_assets.media.probe import probe_media
from video_assets.vision.features import cv_features

FPS = 30
KEYFRAMES = 4


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("few-frames")


def policy(root: Path) -> IngestPolicy:
    return IngestPolicy(fetch=FetchPolicy(local_roots=(root,)), keyframe_count=KEYFRAMES)


def local(path: Path) -> MaterialSource:
    return MaterialSource(uri=str(path), description=None, context="", origin="request")


def decoded_frames(path: Path) -> int:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0"]
        + ["-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip())


@pytest.mark.parametrize("frames", [1, 2, 3, 7])
def test_a_clip_of_a_few_frames_is_ingested_with_one_keyframe_per_frame_and_measured(
    frames: int, clips: Path, tmp_path: Path
) -> None:
    source = clip(clips / f"{frames}-frames.mp4", 320, 180, seconds=frames / FPS, fps=FPS)
    assert decoded_frames(source) == frames

    material = ingest_material(local(source), tmp_path, policy(clips))

    assert material.probe.kind == "video" and material.probe.duration is not None
    assert len(material.keyframes) == min(frames, KEYFRAMES)
    # testsrc2 changes every frame, so distinct keyframes are distinct frames.
    digests = {hashlib.sha256(frame.read_bytes()).hexdigest() for frame in material.keyframes}
    assert len(digests) == len(material.keyframes)
    assert material.thumbnail.is_file()
    features = cv_features(material.media_path, "video", list(material.keyframes))
    assert features.sampled_frames >= 1 and features.best_frame_index is not None


def test_a_clip_cut_short_after_its_index_still_probes_but_is_refused_as_truncated(clips: Path, tmp_path: Path) -> None:
    whole = clips / "whole.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate={FPS}", "-t", "2"]
        + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(whole)],
        check=True,
    )
    data = whole.read_bytes()
    cut = clips / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # the index (moov) is at the front and still promises 2 s
    assert probe_media(cut).duration == pytest.approx(2.0)

    with pytest.raises(MaterialRejected, match=r"could not decode a frame at .* \(truncated or corrupt video\)"):
        ingest_material(local(cut), tmp_path, policy(clips))
