import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from video_assets.storage import InvalidKey, LocalObjectStore, ObjectStore, request_key


def test_put_get_list_delete_round_trip(object_store: ObjectStore, tmp_path: Path) -> None:
    source = tmp_path / "clip.bin"
    source.write_bytes(b"\x00\x01" * 1000)
    file_key = request_key("req_1", "media_items", "0001", "clip.bin")
    bytes_key = request_key("req_1", "media_items", "0001", "meta.json")
    object_store.put_file(file_key, source, "application/octet-stream")
    object_store.put_bytes(bytes_key, b'{"a": 1}', "application/json")
    assert object_store.exists(file_key)
    assert object_store.get_bytes(bytes_key) == b'{"a": 1}'
    assert object_store.download(file_key, tmp_path / "out" / "copy.bin").read_bytes() == source.read_bytes()
    assert object_store.list("requests/req_1/") == sorted([file_key, bytes_key])
    assert object_store.list("requests/req_2/") == []
    object_store.delete(file_key)
    assert not object_store.exists(file_key)


def test_uri_and_url_point_at_the_object(object_store: ObjectStore) -> None:
    key = request_key("req_1", "rendered_videos", "v0", "cover.jpg")
    uri = object_store.put_bytes(key, b"jpeg-bytes")
    assert uri == object_store.uri(key)
    url = object_store.url(key)
    if url.startswith("file://"):
        assert Path(url.removeprefix("file://")).read_bytes() == b"jpeg-bytes"
    else:
        assert requests.get(url, timeout=10).content == b"jpeg-bytes"


@pytest.mark.parametrize(
    "key",
    ["../etc/passwd", "/abs/key", "requests/../../x", "requests//x", "a/./b", "a\\b", "a/b\x00c", ""],
)
def test_keys_that_escape_the_prefix_are_refused(object_store: ObjectStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        object_store.put_bytes(key, b"x")


@pytest.mark.parametrize("request_id", ["../x", "a,b", "a|b", "a/b", ""])
def test_request_keys_require_partition_safe_ids(request_id: str) -> None:
    with pytest.raises(InvalidKey):
        request_key(request_id, "media_items", "x")


def test_local_store_keeps_objects_under_its_root(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "root")
    store.put_bytes("requests/r/media_items/a.txt", b"a")
    assert (tmp_path / "root" / "requests/r/media_items/a.txt").read_bytes() == b"a"


def test_list_objects_reports_key_size_and_last_modified_in_key_order(object_store: ObjectStore) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)  # S3 keeps whole seconds
    tmp_key = request_key("req_1", "tmp", "scene.bin")
    video_key = request_key("req_1", "media_items", "0001", "clip.bin")
    object_store.put_bytes(tmp_key, b"12345")
    object_store.put_bytes(video_key, b"x")
    object_store.put_bytes(request_key("req_2", "tmp", "other.bin"), b"x")
    objects = list(object_store.list_objects("requests/req_1/"))
    assert [(obj.key, obj.size) for obj in objects] == [(video_key, 1), (tmp_key, 5)]
    assert all(before <= obj.last_modified <= datetime.now(UTC) for obj in objects)
    assert list(object_store.list_objects("requests/req_3/")) == []


def test_local_store_lists_file_mtime_as_last_modified_and_skips_partial_uploads(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "root")
    key = request_key("req_1", "tmp", "a.bin")
    store.put_bytes(key, b"a")
    os.utime(tmp_path / "root" / key, (1_700_000_000, 1_700_000_000))
    (tmp_path / "root" / "requests/req_1/tmp/b.bin.partial").write_bytes(b"half")
    [obj] = store.list_objects("requests/")
    assert (obj.key, obj.last_modified) == (key, datetime.fromtimestamp(1_700_000_000, UTC))
