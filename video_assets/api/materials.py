"""Where a request from an HTTP client may take its materials from: http(s) URLs, and the objects the same tenant
uploaded through POST /v1/uploads. A client has no business naming a path on the server, any other object in the
service's own bucket, or another tenant's upload."""

from __future__ import annotations

from urllib.parse import urlparse

from video_assets.db.engine import session_scope
from video_assets.media.s3_sources import UPLOADS_PREFIX
from video_assets.request_schema import VideoRequestSpec
from video_assets.service.uploads import foreign_upload
from video_assets.settings import Settings


def remote_material_problems(spec: VideoRequestSpec, tenant: str, settings: Settings) -> list[str]:
    locations = {f"materials.{index}.uri": material.uri for index, material in enumerate(spec.materials)}
    if spec.watermark and spec.watermark.image_uri:
        locations["watermark.image_uri"] = spec.watermark.image_uri
    if spec.bgm:
        locations["bgm.uri"] = spec.bgm.uri
    problems = []
    uploads = {field: uri for field, uri in locations.items() if _is_upload_location(uri, settings)}
    if uploads:
        with session_scope(settings.database_url.get_secret_value()) as session:
            problems += [
                f"{field}: not an upload of this tenant (get one from POST /v1/uploads)"
                for field, uri in uploads.items()
                if foreign_upload(session, tenant, uri)
            ]
    problems += [
        f"{field}: only http(s) URLs and this tenant's uploads are accepted over HTTP, not "
        f"{urlparse(uri).scheme or 'a local path'}"
        for field, uri in locations.items()
        if field not in uploads and urlparse(uri).scheme.lower() not in ("http", "https")
    ]
    return problems


def _is_upload_location(uri: str, settings: Settings) -> bool:
    parsed = urlparse(uri)
    return (
        settings.storage == "s3"
        and parsed.scheme == "s3"
        and parsed.netloc == settings.s3_bucket
        and parsed.path.lstrip("/").startswith(UPLOADS_PREFIX)
    )
