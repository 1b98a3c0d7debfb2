"""Uploads handed out by POST /v1/uploads: which tenant asked for which object key, so that only that tenant may
name the object as a material."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from video_assets.db.models import Base, utcnow


class ApiUpload(Base):
    __tablename__ = "api_uploads"
    __table_args__ = (UniqueConstraint("key", name="uq_api_uploads_key"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    bucket: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(512))
    content_type: Mapped[str] = mapped_column(String(128))
    max_bytes: Mapped[int] = mapped_column(BigInteger)
    # When the presigned form stops working; the object, once uploaded, stays usable by its tenant.
    form_expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
