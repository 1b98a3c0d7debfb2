"""Shared vendor state, read and written by every worker process: circuit breakers and rate-limit buckets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from video_assets.db.models import Base, utcnow


class VendorBreakerRow(Base):
    __tablename__ = "vendor_breakers"

    vendor: Mapped[str] = mapped_column(String(128), primary_key=True)  # "llm", "tts", "merge:easegen", "host:x.com"
    state: Mapped[str] = mapped_column(String(16), default="closed")  # closed | open
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive transient failures
    outage_started_at: Mapped[datetime | None]  # the first failure of the current run of failures
    opened_at: Mapped[datetime | None]
    next_probe_at: Mapped[datetime | None]  # while open: when one caller may try the vendor again
    last_error: Mapped[str | None] = mapped_column(Text)
    probes: Mapped[int] = mapped_column(Integer, default=0)  # calls let through while open, this outage
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class VendorRateBucket(Base):
    """A token bucket every worker draws from, so a vendor's rate limit holds across processes and machines."""

    __tablename__ = "vendor_rate_buckets"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)  # "llm:requests", "llm:tokens", ...
    level: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
