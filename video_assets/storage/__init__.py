from video_assets.storage.base import ObjectStore, ObjectStoreError
from video_assets.storage.keys import InvalidKey, request_key, validate_key
from video_assets.storage.local import LocalObjectStore
from video_assets.storage.s3 import S3ObjectStore

__all__ = [
    "InvalidKey",
    "LocalObjectStore",
    "ObjectStore",
    "ObjectStoreError",
    "S3ObjectStore",
    "request_key",
    "validate_key",
]
