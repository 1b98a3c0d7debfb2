from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from video_assets.storage.base import ObjectStore, ObjectStoreError, StoredObject
from video_assets.storage.keys import validate_key


class LocalObjectStore(ObjectStore):
    """The embedded default: objects are files under one root directory."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / validate_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise ObjectStoreError(f"key {key!r} escapes the store root")
        return path

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> str:
        with self._written(key) as partial:
            shutil.copyfile(path, partial)
        return self.uri(key)

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> str:
        with self._written(key) as partial:
            partial.write_bytes(data)
        return self.uri(key)

    @contextmanager
    def _written(self, key: str) -> Iterator[Path]:
        """A temporary file next to the object's path that becomes the object in one rename, so that no reader sees
        half an object. Any failure (a full disk, a rename refused) removes it, so nothing is left behind; its name
        is unique so that two writers of one key never write into the same file."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{uuid.uuid4().hex[:12]}.partial")
        try:
            yield partial
            partial.replace(target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectStoreError(f"no object {key!r}") from exc

    def download(self, key: str, dest: Path) -> Path:
        source = self._path(key)
        if not source.is_file():
            raise ObjectStoreError(f"no object {key!r}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        return dest

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str) -> list[str]:
        return sorted(
            str(path.relative_to(self.root))
            for path in self.root.rglob("*")
            if path.is_file()
            and not path.name.endswith(".partial")
            and str(path.relative_to(self.root)).startswith(prefix)
        )

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        for key in self.list(prefix):
            try:
                stat = (self.root / key).stat()
            except FileNotFoundError:  # deleted since the listing
                continue
            yield StoredObject(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

    def uri(self, key: str) -> str:
        return self._path(key).as_uri()

    def url(self, key: str, expires_in: int = 3600) -> str:
        return self.uri(key)
