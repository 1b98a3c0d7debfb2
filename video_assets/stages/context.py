"""What every stage of one request works with, passed as one value instead of five parameters."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from video_assets.request_schema import VideoRequestSpec
from video_assets.storage import ObjectStore


@dataclass(frozen=True)
class StageContext:
    """The request (its id and validated spec), the database it lives in, the object store that holds its files
    and a scratch folder of the stage's own, removed when the stage ends."""

    request_id: str
    spec: VideoRequestSpec
    database_url: str
    store: ObjectStore
    workdir: Path
