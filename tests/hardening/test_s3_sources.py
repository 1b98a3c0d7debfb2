"""s3:// materials are read with the service's own credentials, so they may only come from the configured sources,
and never from another request's keys in the pipeline's own bucket. Real objects on the moto S3 server: without
the rule every one of them would be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from video_assets.media import FetchPolicy, MaterialRejected, S3Sources, fetch_material, fetch_refusal
from video_assets.storage.s3 import S3ObjectStore, s3_material_reader

JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 2000
KEYS = [
    "uploads/cat.jpg",
    "uploads-old/cat.jpg",
    "private/cat.jpg",
    "requests/req_mine/media_items/000/media.jpg",
    "requests/req_other/media_items/000/media.jpg",
    "requests/req_mine_too/media_items/000/media.jpg",
]


@pytest.fixture
def store(s3_store: S3ObjectStore) -> S3ObjectStore:
    for key in KEYS:
        s3_store.client.put_object(Bucket=s3_store.bucket, Key=key, Body=JPEG)
    return s3_store


def policy_for(store: S3ObjectStore, *allowed: str) -> FetchPolicy:
    sources = S3Sources(allowed=allowed, store_bucket=store.bucket)
    return FetchPolicy(s3=sources).for_request("req_mine")


def fetch(store: S3ObjectStore, key: str, policy: FetchPolicy, dest: Path) -> str:
    """'read' or the refusal's reason."""
    try:
        fetch_material(f"s3://{store.bucket}/{key}", dest, policy, s3_material_reader(store.client))
    except MaterialRejected as error:
        return error.reason
    return "read"


def test_only_keys_under_an_allowed_prefix_and_the_requests_own_keys_are_read(
    store: S3ObjectStore, tmp_path: Path
) -> None:
    policy = policy_for(store, f"{store.bucket}/uploads/")
    outcomes = {key: fetch(store, key, policy, tmp_path / str(index)) for index, key in enumerate(KEYS)}
    assert outcomes["uploads/cat.jpg"] == "read"
    assert outcomes["requests/req_mine/media_items/000/media.jpg"] == "read"
    for key in ("uploads-old/cat.jpg", "private/cat.jpg"):
        assert "not under an allowed material source" in outcomes[key], key
    for key in ("requests/req_other/media_items/000/media.jpg", "requests/req_mine_too/media_items/000/media.jpg"):
        assert "belongs to another request" in outcomes[key], key


def test_allowing_the_whole_own_bucket_still_keeps_other_requests_out(store: S3ObjectStore, tmp_path: Path) -> None:
    policy = policy_for(store, store.bucket)
    assert fetch(store, "private/cat.jpg", policy, tmp_path / "a") == "read"
    other = fetch(store, "requests/req_other/media_items/000/media.jpg", policy, tmp_path / "b")
    assert "belongs to another request" in other


def test_dot_segments_cannot_walk_out_of_an_allowed_prefix(store: S3ObjectStore) -> None:
    policy = policy_for(store, f"{store.bucket}/uploads/")
    for key in ("uploads/../requests/req_other/media_items/000/media.jpg", "uploads//cat.jpg", "uploads/./cat.jpg"):
        assert "'.' or '..' segment" in (fetch_refusal(f"s3://{store.bucket}/{key}", policy) or ""), key


def test_with_no_sources_configured_every_s3_material_is_refused_before_submit(store: S3ObjectStore) -> None:
    policy = FetchPolicy(s3=S3Sources(store_bucket=store.bucket))
    upload = fetch_refusal(f"s3://{store.bucket}/uploads/cat.jpg", policy) or ""
    assert "VIDEO_ASSETS_S3_MATERIAL_SOURCES: none" in upload
    assert "another request" in (fetch_refusal(f"s3://{store.bucket}/requests/req_mine/a/b.jpg", policy) or "")
