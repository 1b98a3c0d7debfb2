"""One material end to end (fetch -> sniff -> probe -> size check -> normalise -> keyframes -> flat-colour check),
and a bounded parallel batch."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from video_assets.media.errors import MaterialRejected
from video_assets.media.fetch import S3Reader, fetch_material
from video_assets.media.fetch_policy import FetchPolicy
from video_assets.media.gather import MaterialSource
from video_assets.media.normalise_image import RGB, check_pixel_limit, make_thumbnail, normalise_image
from video_assets.media.normalise_video import extract_keyframes, needs_transcode, transcode_to_mezzanine
from video_assets.media.probe import MediaProbe, probe_media
from video_assets.media.usability import FLAT_COLOUR_SPREAD, MIN_MATERIAL_SIDE_PX, check_not_flat, check_size
from video_assets.tracing import carry_trace


@dataclass(frozen=True)
class IngestPolicy:
    fetch: FetchPolicy = field(default_factory=FetchPolicy)
    max_pixels: int = 50_000_000
    image_long_side: int = 4096
    video_long_side: int = 1920
    # A 50 MB file can still hold hours of low-bitrate video; transcoding that would tie up a worker for ages.
    max_video_seconds: float = 900.0
    keyframe_count: int = 4
    keyframe_long_side: int = 1280
    thumbnail_width: int = 320
    alpha_background: RGB = (255, 255, 255)
    transcode_timeout: float = 1800.0
    min_side: int = MIN_MATERIAL_SIDE_PX
    flat_colour_spread: float = FLAT_COLOUR_SPREAD

    def __post_init__(self) -> None:
        if self.keyframe_count < 1:
            raise ValueError("keyframe_count must be at least 1: the thumbnail is made from the first keyframe")


@dataclass(frozen=True)
class IngestedMaterial:
    """`media_path` is the normalised file to upload and render from, and `probe` describes it; `original_probe`
    describes the bytes as fetched, whose hash and size are `sha256` and `original_size`."""

    source: MaterialSource
    sha256: str
    original_size: int
    original_path: Path
    original_probe: MediaProbe
    media_path: Path
    probe: MediaProbe
    keyframes: tuple[Path, ...]
    thumbnail: Path
    transcoded: bool


@dataclass(frozen=True)
class IngestOutcome:
    index: int
    source: MaterialSource
    material: IngestedMaterial | None
    reason: str | None = None
    transient: bool = False

    @property
    def status(self) -> Literal["ready", "rejected"]:
        return "ready" if self.material is not None else "rejected"


def ingest_material(
    source: MaterialSource, workdir: Path, policy: IngestPolicy, s3_reader: S3Reader | None = None
) -> IngestedMaterial:
    """Fetch and normalise one material into `workdir`; raises MaterialRejected with a readable reason."""
    workdir.mkdir(parents=True, exist_ok=True)
    fetched = fetch_material(source.uri, workdir, policy.fetch, s3_reader)
    original_probe = probe_media(fetched.path, fetched.sniffed_mime)
    check_size(original_probe, policy.min_side)
    if original_probe.kind == "image":
        media = normalise_image(
            fetched.path,
            workdir / "normalised.jpg",
            policy.max_pixels,
            policy.image_long_side,
            policy.alpha_background,
        )
        probe, keyframes, transcoded = probe_media(media, "image/jpeg"), (media,), False
    else:
        media, probe, transcoded = _normalise_video(fetched.path, original_probe, workdir, policy)
        keyframes = extract_keyframes(media, probe, policy.keyframe_count, workdir, policy.keyframe_long_side)
    check_not_flat(probe, keyframes, policy.flat_colour_spread)
    thumbnail = make_thumbnail(keyframes[0], workdir / "thumbnail.jpg", policy.thumbnail_width)
    return IngestedMaterial(
        source=source,
        sha256=fetched.sha256,
        original_size=fetched.size,
        original_path=fetched.path,
        original_probe=original_probe,
        media_path=media,
        probe=probe,
        keyframes=keyframes,
        thumbnail=thumbnail,
        transcoded=transcoded,
    )


def _normalise_video(
    original: Path, probe: MediaProbe, workdir: Path, policy: IngestPolicy
) -> tuple[Path, MediaProbe, bool]:
    check_pixel_limit(probe.width, probe.height, policy.max_pixels)
    limit = policy.max_video_seconds
    if not needs_transcode(probe):
        if probe.duration is not None and probe.duration > limit:
            raise MaterialRejected(f"video is {probe.duration:.0f} s long, over the {limit:g} s limit")
        return original, probe, False
    mezzanine = transcode_to_mezzanine(
        original, workdir / "normalised.mp4", probe, policy.video_long_side, limit, policy.transcode_timeout
    )
    mezzanine_probe = probe_media(mezzanine, "video/mp4")
    # The transcode stops at the limit, so a mezzanine that reaches it came from a stream that went on.
    if (mezzanine_probe.duration or 0.0) >= limit:
        raise MaterialRejected(f"the video has no duration and runs past the {limit:g} s limit")
    return mezzanine, mezzanine_probe, True


def ingest_all(
    sources: Sequence[MaterialSource],
    workdir: Path,
    policy: IngestPolicy,
    max_workers: int = 4,
    s3_reader: S3Reader | None = None,
) -> list[IngestOutcome]:
    """One outcome per source, in input order; each material gets its own `workdir/NNN` directory."""
    if not sources:
        return []

    def run(index: int) -> IngestOutcome:
        return _ingest_one(index, sources[index], workdir / f"{index:03d}", policy, s3_reader)

    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(sources))), thread_name_prefix="ingest") as pool:
        return list(pool.map(carry_trace(run), range(len(sources))))


def _ingest_one(
    index: int, source: MaterialSource, workdir: Path, policy: IngestPolicy, s3_reader: S3Reader | None
) -> IngestOutcome:
    try:
        material = ingest_material(source, workdir, policy, s3_reader)
    except MaterialRejected as rejection:
        shutil.rmtree(workdir, ignore_errors=True)
        return IngestOutcome(index, source, None, rejection.reason, rejection.transient)
    except Exception as error:  # one broken material must not sink the batch; it is reported instead
        shutil.rmtree(workdir, ignore_errors=True)
        return IngestOutcome(index, source, None, f"unexpected error while ingesting: {type(error).__name__}: {error}")
    return IngestOutcome(index, source, material)
