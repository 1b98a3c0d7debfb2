"""The small request the end-to-end resilience tests run: one 8 s square video over local photo and clip, plus
whatever other materials the test adds."""

from __future__ import annotations

from pathlib import Path

from tests.media_samples import clip, photo
from tests.pipeline.helpers import submit
from tests.pipeline.test_transient_failures import ARTICLE


def local_materials(folder: Path) -> list[Path]:
    # The clip lasts as long as the 4 s scene the offline planner gives it: a script may not loop a clip.
    return [photo("astronaut", folder / "astronaut.jpg", size=(320, 320)), clip(folder / "bars.mp4", 320, 180, 4)]


def submit_lab_request(database_url: str, uris: list[str]) -> str:
    return submit(
        database_url,
        title="小小实验室",
        markdown=ARTICLE,
        materials=[{"uri": uri} for uri in uris],
        video_count=1,
        aspect="1:1",
        target_duration=8,
    )
