"""The HTTP API's tables: tenants and their keys, idempotent answers, usage counters and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from video_assets.db.models import Base, utcnow


class Tenant(Base):
    """A client system. Its limits override the deployment's defaults when set."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    rate_per_window: Mapped[int | None]
    daily_output_seconds: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """Only the key's SHA-256 is kept; `prefix` is the part shown in listings and audit rows."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class IdempotentCall(Base):
    """The first answer to a tenant's `Idempotency-Key`, replayed to a retry of the same call."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("tenant", "key", name="uq_api_idempotency_tenant_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    body_sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # in_flight | done
    status_code: Mapped[int | None]
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageCounter(Base):
    """How much of a limit a tenant used in one window (`requests` per rate window, `output_seconds` per day)."""

    __tablename__ = "api_usage"
    __table_args__ = (UniqueConstraint("tenant", "kind", "window_start", name="uq_api_usage_tenant_kind_window"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    window_start: Mapped[datetime]
    used: Mapped[float] = mapped_column(Float, default=0.0)


class AuditEntry(Base):
    """One call that changed something (or tried to): who, through which key, on which route, and what came of it."""

    __tablename__ = "api_audit"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(8))
    route: Mapped[str] = mapped_column(Text)
    call_id: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(64))
    status_code: Mapped[int]
    outcome: Mapped[str] = mapped_column(Text)


class ApiBatch(Base):
    """Up to 50 requests submitted in one call; each item was validated and stored on its own."""

    __tablename__ = "api_batches"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiBatchItem(Base):
    """One item of a batch: the request it became, or the problem (RFC 9457 body) it was refused with."""

    __tablename__ = "api_batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "position", name="uq_api_batch_items_batch_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("api_batches.id", ondelete="CASCADE"))
    position: Mapped[int]
    request_id: Mapped[str | None] = mapped_column(String(64))
    problem: Mapped[dict[str, Any] | None] = mapped_column(JSON)
