"""Uploads: a presigned S3 POST form into the pipeline's bucket, under `api-uploads/<tenant>/<id>/<name>`, and the
`s3://` URI a request then names. The form fixes the object key, its content type and a size range, so S3 refuses
any other; the row remembers the tenant, so no other tenant may name the object."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from video_assets.db.upload_models import ApiUpload
from video_assets.media.s3_sources import UPLOADS_PREFIX


@dataclass(frozen=True)
class UploadForm:
    id: str
    uri: str
    url: str
    fields: dict[str, str]
    content_type: str
    max_bytes: int
    expires_at: datetime


def open_upload(
    session: Session,
    client: Any,
    bucket: str,
    tenant: str,
    filename: str,
    content_type: str,
    max_bytes: int,
    expires_in: int,
) -> UploadForm:
    """A presigned POST for one object of `content_type`, 1 to `max_bytes` bytes, usable for `expires_in` seconds."""
    upload_id = f"upl_{secrets.token_hex(12)}"
    key = f"{UPLOADS_PREFIX}{tenant}/{upload_id}/{filename}"
    form = client.generate_presigned_post(
        bucket,
        key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires_in,
    )
    expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
    session.add(
        ApiUpload(
            id=upload_id,
            tenant=tenant,
            bucket=bucket,
            key=key,
            content_type=content_type,
            max_bytes=max_bytes,
            form_expires_at=expires_at,
        )
    )
    session.flush()
    return UploadForm(
        upload_id, f"s3://{bucket}/{key}", form["url"], form["fields"], content_type, max_bytes, expires_at
    )


def foreign_upload(session: Session, tenant: str, uri: str) -> bool:
    """True unless `uri` is an upload handed out to `tenant`. Another tenant's upload and a key never handed out are
    answered alike, so a caller learns nothing about other tenants' objects."""
    parsed = urlparse(uri)
    owner = session.scalar(
        select(ApiUpload.tenant).where(ApiUpload.bucket == parsed.netloc, ApiUpload.key == parsed.path.lstrip("/"))
    )
    return owner != tenant
