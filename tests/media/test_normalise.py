from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.fixtures.media import Samples
from video_assets.media import FetchPolicy, IngestPolicy, MaterialRejected, MaterialSource, ingest_material


def local(path: Path) -> MaterialSource:
    return MaterialSource(uri=str(path), description=None, context="", origin="request")


def test_exif_orientation_6_photo_is_turned_upright(samples: Samples, policy: IngestPolicy, tmp_path: Path) -> None:
    material = ingest_material(local(samples["photo_exif6.jpg"]), tmp_path, policy)
    with Image.open(material.media_path) as image:
        assert image.size == (200, 300)
        assert image.getexif().get(0x0112) in (None, 1)
    assert (material.probe.width, material.probe.height, material.probe.rotation) == (200, 300, 0)
    assert material.original_probe.rotation == 270


def test_alpha_is_flattened_onto_white(samples: Samples, policy: IngestPolicy, tmp_path: Path) -> None:
    material = ingest_material(local(samples["alpha.png"]), tmp_path, policy)
    with Image.open(material.media_path) as image:
        assert image.mode == "RGB" and image.format == "JPEG"
        assert all(channel > 245 for channel in image.getpixel((10, 10)))


def test_large_photo_is_capped_on_its_long_side(samples: Samples, policy: IngestPolicy, tmp_path: Path) -> None:
    capped = IngestPolicy(fetch=policy.fetch, image_long_side=256)
    material = ingest_material(local(samples["photo_large.jpg"]), tmp_path, capped)
    assert (material.probe.width, material.probe.height) == (256, 256)
    assert (material.original_probe.width, material.original_probe.height) == (512, 512)
    assert material.keyframes == (material.media_path,)
    with Image.open(material.thumbnail) as thumbnail:
        assert thumbnail.width == 320


def test_40000_square_png_is_refused_before_decoding(samples: Samples, policy: IngestPolicy, tmp_path: Path) -> None:
    assert samples["bomb.png"].stat().st_size < 1024 * 1024
    with pytest.raises(MaterialRejected, match="decompression bomb") as caught:
        ingest_material(local(samples["bomb.png"]), tmp_path, policy)
    assert "40000" in caught.value.reason or "1600000000" in caught.value.reason


def test_pixel_limit_is_configurable(samples: Samples, policy: IngestPolicy, tmp_path: Path) -> None:
    strict = IngestPolicy(fetch=policy.fetch, max_pixels=100_000)
    with pytest.raises(MaterialRejected, match=r"512x512 \(0.3 megapixels\), over the 0.1 megapixel limit"):
        ingest_material(local(samples["photo_large.jpg"]), tmp_path, strict)


def test_h264_mp4_is_kept_as_is_with_keyframes_and_thumbnail(
    samples: Samples, policy: IngestPolicy, tmp_path: Path
) -> None:
    material = ingest_material(local(samples["landscape.mp4"]), tmp_path, policy)
    assert material.transcoded is False
    assert material.media_path.read_bytes() == samples["landscape.mp4"].read_bytes()
    assert len(material.keyframes) == 3
    for frame in material.keyframes:
        with Image.open(frame) as image:
            assert image.size == (640, 360)
    with Image.open(material.thumbnail) as thumbnail:
        assert thumbnail.size == (320, 180)


def test_rotated_clip_keyframes_are_upright(samples: Samples, policy: IngestPolicy, tmp_path: Path) -> None:
    material = ingest_material(local(samples["rotated90.mp4"]), tmp_path, policy)
    assert material.probe.rotation == 90
    with Image.open(material.keyframes[0]) as image:
        assert image.size == (180, 320)


@pytest.mark.parametrize(
    ("name", "codec"),
    [("vp9.webm", "vp9"), ("msmpeg4.avi", "msmpeg4v3"), ("mpeg2.avi", "mpeg2video"), ("animated.gif", "gif")],
)
def test_exotic_codec_that_ffmpeg_can_seek_in_is_kept_as_fetched(
    samples: Samples, policy: IngestPolicy, tmp_path: Path, name: str, codec: str
) -> None:
    material = ingest_material(local(samples[name]), tmp_path, policy)
    assert material.transcoded is False
    assert material.probe == material.original_probe and material.probe.video_codec == codec
    assert material.media_path.read_bytes() == samples[name].read_bytes()
    assert len(material.keyframes) == 3


def live_recording(dest: Path, width: int, height: int, seconds: float) -> Path:
    """A WebM written to a pipe, as a browser's MediaRecorder writes it: no duration and no cues to seek by."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=15:duration={seconds}"]
    cmd += ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-f", "webm", "-"]
    dest.write_bytes(subprocess.run(cmd, check=True, capture_output=True).stdout)
    return dest


def test_live_recording_without_a_duration_is_transcoded_once_so_scenes_can_seek(tmp_path: Path) -> None:
    recording = live_recording(tmp_path / "src" / "recording.webm", 320, 180, seconds=2.0)
    policy = IngestPolicy(fetch=FetchPolicy(local_roots=(recording.parent,)), video_long_side=100, keyframe_count=2)
    material = ingest_material(local(recording), tmp_path / "work", policy)
    assert material.original_probe.duration is None
    assert material.transcoded is True
    probe = material.probe
    assert (probe.mime, probe.video_codec, probe.pix_fmt, probe.has_audio) == ("video/mp4", "h264", "yuv420p", False)
    assert probe.duration == pytest.approx(2.0, abs=0.1)
    assert (probe.width, probe.height) == (100, 56)
    with Image.open(material.keyframes[1]) as frame:
        assert frame.size == (100, 56)


def test_live_recording_running_past_the_length_limit_is_refused(tmp_path: Path) -> None:
    recording = live_recording(tmp_path / "src" / "recording.webm", 160, 90, seconds=3.0)
    policy = IngestPolicy(fetch=FetchPolicy(local_roots=(recording.parent,)), max_video_seconds=1.5)
    with pytest.raises(MaterialRejected, match="has no duration and runs past the 1.5 s limit"):
        ingest_material(local(recording), tmp_path / "work", policy)
