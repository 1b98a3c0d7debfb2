"""Write the demo's materials into examples/media: public-domain photos from scikit-image and lavfi clips."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.media_samples import clip, photo  # noqa: E402

MEDIA = Path(__file__).resolve().parent / "media"


def main() -> None:
    photo("astronaut", MEDIA / "astronaut.jpg")
    photo("rocket", MEDIA / "rocket.jpg")
    photo("coffee", MEDIA / "coffee.jpg")
    photo("chelsea", MEDIA / "chelsea.jpg", exif_orientation=1)
    photo("hubble_deep_field", MEDIA / "hubble.png")
    clip(MEDIA / "galaxy.mp4", width=1280, height=720, seconds=6, source="mandelbrot")
    clip(
        MEDIA / "orbit.mp4",
        width=720,
        height=1280,
        seconds=5,
        source="life=mold=10:ratio=0.1:death_color=#223355:life_color=#ffcc66",
    )
    clip(MEDIA / "phone.mp4", width=640, height=360, seconds=4, source="testsrc2", rotation=90)
    print(f"demo media written to {MEDIA}")


if __name__ == "__main__":
    main()
