"""Where a request from an HTTP client may take its materials from: http(s) URLs only. A client has no business
naming a path on the server or an object in the service's own bucket."""

from __future__ import annotations

from urllib.parse import urlparse

from video_assets.request_schema import VideoRequestSpec


def remote_material_problems(spec: VideoRequestSpec) -> list[str]:
    locations = {f"materials.{index}.uri": material.uri for index, material in enumerate(spec.materials)}
    if spec.watermark and spec.watermark.image_uri:
        locations["watermark.image_uri"] = spec.watermark.image_uri
    if spec.bgm:
        locations["bgm.uri"] = spec.bgm.uri
    return [
        f"{field}: only http(s) URLs are accepted over HTTP, not {urlparse(uri).scheme or 'a local path'}"
        for field, uri in locations.items()
        if urlparse(uri).scheme.lower() not in ("http", "https")
    ]
