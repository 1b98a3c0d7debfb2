from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from video_assets.storage.base import ObjectStore, ObjectStoreError, StoredObject
from video_assets.storage.keys import validate_key


class S3ObjectStore(ObjectStore):
    """S3 or MinIO; the boto3 client comes from `dagster_aws.s3.S3Resource` (or any boto3 client)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def ensure_bucket(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> str:
        extra = {"ContentType": content_type} if content_type else None
        self.client.upload_file(str(path), self.bucket, validate_key(key), ExtraArgs=extra)
        return self.uri(key)

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> str:
        extra = {"ContentType": content_type} if content_type else {}
        self.client.put_object(Bucket=self.bucket, Key=validate_key(key), Body=data, **extra)
        return self.uri(key)

    def get_bytes(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=validate_key(key))["Body"].read()
        except ClientError as exc:
            raise ObjectStoreError(f"cannot read s3://{self.bucket}/{key}: {exc}") from exc

    def download(self, key: str, dest: Path) -> Path:
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.client.download_file(self.bucket, validate_key(key), str(dest))
        except ClientError as exc:
            raise ObjectStoreError(f"cannot download s3://{self.bucket}/{key}: {exc}") from exc
        return dest

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=validate_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=validate_key(key))

    def list(self, prefix: str) -> list[str]:
        return sorted(obj.key for obj in self.list_objects(prefix))

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                # botocore parses LastModified into a timezone-aware datetime
                yield StoredObject(item["Key"], item["Size"], item["LastModified"])

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{validate_key(key)}"

    def url(self, key: str, expires_in: int = 3600) -> str:
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": validate_key(key)}, ExpiresIn=expires_in
        )


def s3_material_reader(client: Any) -> Callable[[str, str, Path, int], None]:
    """Read an `s3://bucket/key` material, refusing objects over `max_bytes` before downloading them."""

    def read(bucket: str, key: str, dest: Path, max_bytes: int) -> None:
        size = client.head_object(Bucket=bucket, Key=key)["ContentLength"]
        if size > max_bytes:
            raise ObjectStoreError(f"s3://{bucket}/{key} is {size} bytes, over the {max_bytes} byte limit")
        client.download_file(bucket, key, str(dest))

    return read
