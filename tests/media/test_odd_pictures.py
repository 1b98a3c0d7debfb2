"""Tracking pixels, spacers and flat-colour pictures are refused at ingestion, as an editor would; real photos and
clips, the dark and the nearly uniform ones included, are kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.media import MediaServer
from tests.fixtures.odd_media import flat_clip, flat_grey_1080p_jpeg, tiny_checker_png, tracking_pixel_gif
from tests.media_samples import clip, photo
from video_assets.media import IngestPolicy, MaterialSource, ingest_all
from video_assets.media.usability import MIN_MATERIAL_SIDE_PX


@pytest.fixture(scope="module")
def odd_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("odd")
    side = MIN_MATERIAL_SIDE_PX
    return {
        "pixel.gif": tracking_pixel_gif(root / "pixel.gif"),
        "checker.png": tiny_checker_png(root / "checker.png"),
        "flat_tiny.mp4": flat_clip(root / "flat_tiny.mp4", 2, 2),
        "grey_1080p.jpg": flat_grey_1080p_jpeg(root / "grey_1080p.jpg"),
        "flat_clip.mp4": flat_clip(root / "flat_clip.mp4", 320, 180, colour="black"),
        "just_under.jpg": photo("chelsea", root / "just_under.jpg", size=(3 * side, side - 1)),
        "at_minimum.jpg": photo("chelsea", root / "at_minimum.jpg", size=(side, side)),
        # The flattest and the darkest photos among scikit-image's samples: a retina scan and deep space.
        "retina.png": photo("microaneurysms", root / "retina.png"),
        "deep_space.jpg": photo("hubble_deep_field", root / "deep_space.jpg"),
        "clip.mp4": clip(root / "clip.mp4", 320, 180, seconds=1.0, fps=10),
    }


def test_tracking_pixels_tiny_and_flat_colour_materials_are_rejected_with_reasons_and_real_pictures_kept(
    server: MediaServer, odd_files: dict[str, Path], policy: IngestPolicy, tmp_path: Path
) -> None:
    expected = {
        "pixel.gif": "image is only 1x1 px, under the 64 px minimum side",
        "checker.png": "image is only 2x2 px",
        "flat_tiny.mp4": "video is only 2x2 px",
        "grey_1080p.jpg": "image is a flat colour: its colours spread at most 0.0 levels over the picture",
        "flat_clip.mp4": "video is a flat colour: its colours spread at most 0.0 levels over all 3 sampled frames",
        "just_under.jpg": "image is only 192x63 px",
        "at_minimum.jpg": "ready",
        "retina.png": "ready",
        "deep_space.jpg": "ready",
        "clip.mp4": "ready",
    }
    sources = [
        MaterialSource(
            uri=server.serve_file(f"/{name}", odd_files[name]), description=None, context="", origin="markdown"
        )
        for name in expected
    ]

    outcomes = ingest_all(sources, tmp_path, policy, max_workers=2)

    for outcome, (name, phrase) in zip(outcomes, expected.items(), strict=True):
        if phrase == "ready":
            assert outcome.status == "ready", f"{name}: {outcome.reason}"
        else:
            assert outcome.status == "rejected" and not outcome.transient, name
            assert outcome.reason is not None and phrase in outcome.reason, f"{name}: {outcome.reason}"
