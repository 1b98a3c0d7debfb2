"""One object-store interface with an S3 backend and a local-directory backend."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


class ObjectStoreError(RuntimeError):
    pass


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    last_modified: datetime  # timezone-aware UTC


class ObjectStore(ABC):
    @abstractmethod
    def put_file(self, key: str, path: Path, content_type: str | None = None) -> str:
        """Store a file under `key` and return its URI."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> str:
        """Store bytes under `key` and return its URI."""

    @abstractmethod
    def get_bytes(self, key: str) -> bytes: ...

    @abstractmethod
    def download(self, key: str, dest: Path) -> Path: ...

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def delete(self, key: str) -> None: ...

    @abstractmethod
    def list(self, prefix: str) -> list[str]:
        """Keys under `prefix`, sorted."""

    @abstractmethod
    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        """Objects under `prefix` with size and last-modified time, in key order. A generator, so that a scan of
        the whole store (housekeeping) holds one listing page at a time, not every key."""

    @abstractmethod
    def uri(self, key: str) -> str:
        """Stable address for lineage metadata (s3://... or file://...)."""

    @abstractmethod
    def url(self, key: str, expires_in: int = 3600) -> str:
        """An address a browser can open: presigned for S3, file:// locally."""
