"""Process settings read from `VIDEO_ASSETS_*` environment variables; the CLI, the demo and the resources share them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PREFIX = "VIDEO_ASSETS_"


def env(name: str, default: str = "") -> str:
    return os.environ.get(PREFIX + name, default)


def _split(value: str, sep: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(sep) if part.strip())


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    storage_backend: str
    s3_bucket: str
    s3_endpoint_url: str
    s3_region: str
    local_roots: tuple[Path, ...]
    fetch_allow_hosts: tuple[str, ...]
    max_material_bytes: int
    sensor_batch_size: int
    fetch_workers: int

    @property
    def store_dir(self) -> Path:
        return self.home / "objects"

    @property
    def temp_dir(self) -> Path:
        return self.home / "tmp"


def sqlite_url(home: Path) -> str:
    return f"sqlite:///{(home / 'video_assets.db').resolve()}"


def load_settings() -> Settings:
    home = Path(env("HOME", "./.video_assets")).expanduser().resolve()
    return Settings(
        home=home,
        database_url=env("DATABASE_URL") or sqlite_url(home),
        storage_backend=env("STORAGE", "local"),
        s3_bucket=env("S3_BUCKET", "video-assets"),
        s3_endpoint_url=env("S3_ENDPOINT_URL"),
        s3_region=env("S3_REGION", "us-east-1"),
        local_roots=tuple(Path(p).expanduser().resolve() for p in _split(env("LOCAL_ROOTS"), ":")),
        fetch_allow_hosts=_split(env("FETCH_ALLOW_HOSTS"), ","),
        max_material_bytes=int(env("MAX_MATERIAL_BYTES", str(50 * 1024 * 1024))),
        sensor_batch_size=int(env("SENSOR_BATCH_SIZE", "50")),
        fetch_workers=int(env("FETCH_WORKERS", "4")),
    )
