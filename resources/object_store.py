from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from dagster_aws.s3 import S3Resource

from resources.env import FromSettings
from video_assets.media import S3Reader
from video_assets.settings import Settings
from video_assets.storage import LocalObjectStore, ObjectStore, S3ObjectStore
from video_assets.storage.s3 import s3_material_reader


class SettingsS3Resource(FromSettings, S3Resource):
    """`S3Resource` whose endpoint and region can come from the settings when it initialises. Credentials are never
    fields here: boto3 reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or a role or profile) when the client is
    built, in the process that uses it."""

    def settings_fields(self, settings: Settings) -> dict[str, Any]:
        return {"endpoint_url": settings.s3_endpoint_url or None, "region_name": settings.s3_region}


class ObjectStoreResource(FromSettings):
    """Bytes live here: S3/MinIO through `S3Resource`, or a local directory by default."""

    backend: Literal["local", "s3"] = "local"
    local_root: str = ""
    bucket: str = "video-assets"
    s3: S3Resource | None = None

    def settings_fields(self, settings: Settings) -> dict[str, Any]:
        return {"backend": settings.storage, "local_root": str(settings.store_dir), "bucket": settings.s3_bucket}

    def store(self) -> ObjectStore:
        if self.backend == "local":
            if not self.local_root:
                raise ValueError("object store: local backend needs local_root")
            return LocalObjectStore(Path(self.local_root))
        if self.s3 is None:
            raise ValueError("object store: s3 backend needs an S3Resource")
        store = S3ObjectStore(self.s3.get_client(), self.bucket)
        store.ensure_bucket()
        return store

    def material_reader(self) -> S3Reader | None:
        """`s3://` materials are read with the store's S3 client; the local backend has none."""
        return s3_material_reader(self.s3.get_client()) if self.backend == "s3" and self.s3 else None
