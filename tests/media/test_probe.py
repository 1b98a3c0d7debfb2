from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.fixtures.media import Samples
from video_assets.media import MaterialRejected, probe_media


@pytest.mark.parametrize(("name", "size"), [("landscape.mp4", (640, 360)), ("portrait.mp4", (360, 640))])
def test_clip_dimensions_duration_fps_and_codecs(samples: Samples, name: str, size: tuple[int, int]) -> None:
    probe = probe_media(samples[name])
    assert (probe.kind, probe.mime, (probe.width, probe.height)) == ("video", "video/mp4", size)
    assert probe.duration == pytest.approx(1.0, abs=0.1)
    assert probe.fps == 10.0
    assert (probe.video_codec, probe.audio_codec, probe.has_audio, probe.rotation) == ("h264", "aac", True, 0)
    assert probe.container.startswith("mov,mp4")


def test_rotated_clip_reports_display_dimensions_and_rotation(samples: Samples) -> None:
    probe = probe_media(samples["rotated90.mp4"])
    assert (probe.width, probe.height, probe.rotation) == (180, 320, 90)


def test_exif_rotated_photo_reports_display_dimensions(samples: Samples) -> None:
    probe = probe_media(samples["photo_exif6.jpg"])
    assert (probe.kind, probe.width, probe.height, probe.rotation) == ("image", 200, 300, 270)
    assert probe.duration is None and probe.has_audio is False


def test_animated_gif_is_a_video(samples: Samples) -> None:
    probe = probe_media(samples["animated.gif"])
    assert (probe.kind, probe.mime, probe.video_codec, probe.has_audio) == ("video", "image/gif", "gif", False)
    assert (probe.width, probe.height) == (160, 90)


def test_truncated_mp4_is_rejected_with_ffprobe_reason(samples: Samples) -> None:
    with pytest.raises(MaterialRejected, match="ffprobe failed: .*moov atom not found"):
        probe_media(samples["truncated.mp4"])


def test_empty_file_is_rejected(samples: Samples) -> None:
    with pytest.raises(MaterialRejected, match="the file is empty"):
        probe_media(samples["empty.jpg"])


def test_audio_only_file_is_rejected_for_having_no_video(tmp_path: Path) -> None:
    audio = tmp_path / "tone.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=0.5", "-c:a", "aac", str(audio)], check=True
    )
    with pytest.raises(MaterialRejected, match="no video stream"):
        probe_media(audio)
