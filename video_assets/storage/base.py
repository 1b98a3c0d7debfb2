"""One object-store interface with an S3 backend and a local-directory backend."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path


class ObjectStoreError(RuntimeError):
    pass


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
    def uri(self, key: str) -> str:
        """Stable address for lineage metadata (s3://... or file://...)."""

    @abstractmethod
    def url(self, key: str, expires_in: int = 3600) -> str:
        """An address a browser can open: presigned for S3, file:// locally."""
