from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from tests.media_samples import clip, photo
from tests.vision.media import keyframes, two_shot_clip
from video_assets.vision import CvFeatures, VisionError, cv_features


def test_hard_cut_between_two_sources_is_detected_near_the_boundary(tmp_path: Path) -> None:
    video = two_shot_clip(tmp_path / "cut.mp4", seconds=2.0)

    features = cv_features(video, "video", [])

    assert len(features.scene_cuts) == 1
    assert abs(features.scene_cuts[0] - 2.0) <= 0.5
    assert features.segments() == [(0.0, features.scene_cuts[0]), (features.scene_cuts[0], features.duration)]


def test_single_shot_clip_has_no_cut_and_some_motion(tmp_path: Path) -> None:
    video = clip(tmp_path / "moving.mp4", 320, 180, 3.0, 30, source="testsrc2", audio=False)

    features = cv_features(video, "video", [])

    assert features.scene_cuts == []
    assert features.motion > 0.0
    assert features.duration == pytest.approx(3.0, abs=0.1)
    assert 0.0 <= features.best_frame_time <= 3.0


def test_blurred_photo_is_less_sharp_than_the_original(tmp_path: Path) -> None:
    original = photo("astronaut", tmp_path / "sharp.png")
    blurred = tmp_path / "blurred.png"
    Image.open(original).filter(ImageFilter.GaussianBlur(4)).save(blurred)

    assert cv_features(blurred, "image", []).sharpness < cv_features(original, "image", []).sharpness / 3


def test_best_keyframe_is_the_sharp_well_exposed_one(tmp_path: Path) -> None:
    sharp = photo("chelsea", tmp_path / "sharp.png")
    blurred = tmp_path / "blurred.png"
    dark = tmp_path / "dark.png"
    Image.open(sharp).filter(ImageFilter.GaussianBlur(5)).save(blurred)
    Image.open(sharp).point(lambda value: value // 8).save(dark)

    features = cv_features(sharp, "image", [blurred, dark, sharp])

    assert features.best_frame_index == 2


def test_image_has_no_motion_and_brightness_follows_exposure(tmp_path: Path) -> None:
    bright = photo("coffee", tmp_path / "bright.jpg")
    dark = tmp_path / "dark.jpg"
    Image.open(bright).point(lambda value: value // 4).save(dark)

    bright_features = cv_features(bright, "image", [])
    dark_features = cv_features(dark, "image", [])

    assert bright_features.motion == 0.0 and bright_features.scene_cuts == []
    assert dark_features.brightness < bright_features.brightness / 2


def test_dominant_colour_of_a_red_picture_is_red(tmp_path: Path) -> None:
    red = tmp_path / "red.png"
    Image.new("RGB", (400, 300), (220, 20, 30)).save(red)

    colors = cv_features(red, "image", []).dominant_colors

    assert colors[0] == "#dc141e"


def test_features_round_trip_through_json_for_the_database(tmp_path: Path) -> None:
    video = clip(tmp_path / "c.mp4", 320, 180, 2.0, 30, source="smptebars", audio=False)
    frames = keyframes(video, tmp_path / "frames", [0.2, 1.0])

    features = cv_features(video, "video", frames)
    stored = json.loads(features.model_dump_json())

    assert CvFeatures.model_validate(stored) == features
    assert stored["best_frame_index"] in (0, 1)
    assert len(stored["dominant_colors"]) >= 1


def test_missing_file_raises_a_readable_vision_error(tmp_path: Path) -> None:
    with pytest.raises(VisionError, match="file not found"):
        cv_features(tmp_path / "nope.jpg", "image", [])


def test_undecodable_media_raises_a_vision_error_naming_the_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video at all" * 10)

    with pytest.raises(VisionError, match="junk.mp4"):
        cv_features(junk, "video", [])
    with pytest.raises(VisionError, match="junk.mp4: not a decodable image"):
        cv_features(junk, "image", [])
