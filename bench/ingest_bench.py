"""Ingestion throughput: a 20-item request of real photos and clips through fetch/probe/normalise/keyframes."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.media_samples import PHOTOS, clip, photo  # noqa: E402
from video_assets.media import FetchPolicy, IngestPolicy, MaterialSource, ingest_all  # noqa: E402

SOURCES = ("testsrc2", "smptebars", "mandelbrot", "rgbtestsrc", "testsrc")
SHAPES = ((1280, 720), (720, 1280), (640, 360), (1080, 1080), (1920, 1080))


def make_media(root: Path) -> list[Path]:
    files = [photo(name, root / f"{name}.jpg") for name in PHOTOS]
    files += [photo(name, root / f"{name}-exif.jpg", exif_orientation=6) for name in PHOTOS[:2]]
    for i in range(10):
        width, height = SHAPES[i % len(SHAPES)]
        codec, suffix = ("libvpx-vp9", ".webm") if i == 9 else ("libx264", ".mp4")
        files.append(
            clip(
                root / f"clip{i}{suffix}",
                width,
                height,
                seconds=4,
                source=SOURCES[i % len(SOURCES)],
                codec=codec,
                rotation=90 if i == 3 else None,
            )
        )
    return files


def run() -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = make_media(root / "media")
        sources = [MaterialSource(uri=str(path), description=None, context="", origin="request") for path in files]
        policy = IngestPolicy(fetch=FetchPolicy(local_roots=(root / "media",)))
        for workers in (1, 4):
            started = time.perf_counter()
            outcomes = ingest_all(sources, root / f"work{workers}", policy, max_workers=workers)
            elapsed = time.perf_counter() - started
            assert all(o.material for o in outcomes), [o.reason for o in outcomes if not o.material]
            results[f"workers_{workers}_seconds"] = round(elapsed, 2)
            results[f"workers_{workers}_materials_per_s"] = round(len(sources) / elapsed, 2)
    results["materials"] = len(sources)
    return results


if __name__ == "__main__":
    print(run())
