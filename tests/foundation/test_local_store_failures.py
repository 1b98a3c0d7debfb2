"""A write into the local object store that fails leaves no temporary file behind: on a real full disk (a 64 KiB
tmpfs) and when the final rename is refused."""

from __future__ import annotations

import errno
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from video_assets.storage import LocalObjectStore

DISK_BYTES = 64 * 1024
KEY = "requests/req_1/rendered_videos/v0/video.mp4"


@pytest.fixture
def full_disk_root(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs mounted for this test; mounting needs root (CAP_SYS_ADMIN) and the `mount` command."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no `mount` command to make a small tmpfs")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


def leftovers(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_a_file_upload_that_fills_the_disk_leaves_nothing_and_frees_the_space(
    full_disk_root: Path, tmp_path: Path
) -> None:
    store = LocalObjectStore(full_disk_root / "store")
    large = tmp_path / "large.bin"
    large.write_bytes(b"\x5a" * (4 * DISK_BYTES))

    with pytest.raises(OSError) as failure:
        store.put_file(KEY, large, "video/mp4")

    assert failure.value.errno == errno.ENOSPC
    assert leftovers(store.root) == []
    assert not store.exists(KEY)
    # The space the failed copy took is free again: an object that fits is stored.
    small = tmp_path / "small.bin"
    small.write_bytes(b"\x01" * (DISK_BYTES // 2))
    store.put_file(KEY, small, "video/mp4")
    assert leftovers(store.root) == [KEY]


def test_a_bytes_upload_that_fills_the_disk_leaves_nothing(full_disk_root: Path) -> None:
    store = LocalObjectStore(full_disk_root / "store")

    with pytest.raises(OSError) as failure:
        store.put_bytes(KEY, b"\x5a" * (4 * DISK_BYTES), "video/mp4")

    assert failure.value.errno == errno.ENOSPC
    assert leftovers(store.root) == []


def test_an_upload_whose_rename_is_refused_leaves_no_temporary_file(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "store")
    store.put_bytes(f"{KEY}/inside.txt", b"x")  # the object's path is now a directory

    with pytest.raises(OSError):
        store.put_bytes(KEY, b"video bytes")

    assert leftovers(store.root) == [f"{KEY}/inside.txt"]
