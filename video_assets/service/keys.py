"""API keys: `va_<random>`, shown once, stored as a SHA-256 with a short visible prefix; each belongs to a tenant and
carries scopes. `video-assets keys` and the API's authentication both use these functions."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from video_assets.db.api_models import ApiKey, Tenant
from video_assets.db.models import LOCAL_TENANT, utcnow

SCOPES = ("submit", "read", "admin")
KEY_PREFIX = "va_"
PREFIX_LENGTH = len(KEY_PREFIX) + 8  # `va_` and 8 random characters: enough to name a key, useless to guess it
TENANT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class KeyCommandError(ValueError):
    """A key command that cannot be done: unknown prefix, bad tenant name or scope."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's tenant, its visible prefix and its scopes, and the tenant's own limits (None where
    the deployment's defaults apply), read with the key so that a call costs one query for all of them."""

    tenant: str
    prefix: str
    scopes: frozenset[str]
    rate_per_window: int | None = None
    daily_output_seconds: float | None = None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.scopes

    @property
    def reads_as(self) -> str | None:
        """The tenant whose requests this key sees; None (every tenant) for an admin key."""
        return None if self.is_admin else self.tenant


def hash_key(key: str) -> str:
    """Keys carry 256 random bits, so one SHA-256 is as strong as a slow hash and costs nothing per call."""
    return hashlib.sha256(key.encode()).hexdigest()


def parse_scopes(text: str) -> list[str]:
    scopes = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown or not scopes:
        raise KeyCommandError(f"scopes {text!r}: give a comma-separated list of {', '.join(SCOPES)}")
    return scopes


def ensure_tenant(
    session: Session, name: str, rate_per_window: int | None = None, daily_output_seconds: float | None = None
) -> Tenant:
    if not TENANT_NAME.match(name) or name == LOCAL_TENANT:
        raise KeyCommandError(
            f"tenant {name!r}: 1-64 lowercase letters, digits, '_' or '-' ({LOCAL_TENANT!r} is the tenant of "
            "requests from the CLI, feeds and SQL)"
        )
    tenant = session.scalar(select(Tenant).where(Tenant.name == name))
    if tenant is None:
        tenant = Tenant(name=name)
        session.add(tenant)
    if rate_per_window is not None:
        tenant.rate_per_window = rate_per_window
    if daily_output_seconds is not None:
        tenant.daily_output_seconds = daily_output_seconds
    session.flush()
    return tenant


def create_key(session: Session, tenant: str, scopes: Sequence[str], **limits: Any) -> str:
    """A new key for `tenant` (created if new, with `limits` when given); the key itself is returned only here."""
    owner = ensure_tenant(session, tenant, **limits)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(tenant_id=owner.id, prefix=key[:PREFIX_LENGTH], key_hash=hash_key(key), scopes=list(scopes)))
    session.flush()
    return key


def list_keys(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(ApiKey, Tenant.name).join(Tenant).order_by(Tenant.name, ApiKey.id))
    return [
        {
            "prefix": key.prefix,
            "tenant": tenant,
            "scopes": key.scopes,
            "created_at": key.created_at.isoformat(),
            "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
        }
        for key, tenant in rows
    ]


def _live_key(session: Session, prefix: str) -> ApiKey:
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None)))
    if key is None:
        raise KeyCommandError(f"no live key with prefix {prefix!r}")
    return key


def revoke_key(session: Session, prefix: str) -> None:
    _live_key(session, prefix).revoked_at = utcnow()


def rotate_key(session: Session, prefix: str) -> str:
    """A new key with the same tenant and scopes; the old one stops working now."""
    old = _live_key(session, prefix)
    old.revoked_at = utcnow()
    tenant = session.get(Tenant, old.tenant_id)
    assert tenant is not None  # the foreign key guarantees it
    return create_key(session, tenant.name, old.scopes)


def authenticate(session: Session, key: str) -> Principal | None:
    """The principal of a live key, or None for anything else (unknown, revoked, malformed)."""
    if not key.startswith(KEY_PREFIX) or len(key) <= PREFIX_LENGTH:
        return None
    limits = (Tenant.rate_per_window, Tenant.daily_output_seconds)
    row = session.execute(
        select(ApiKey.key_hash, ApiKey.prefix, ApiKey.scopes, Tenant.name, *limits)
        .join(Tenant)
        .where(ApiKey.prefix == key[:PREFIX_LENGTH], ApiKey.revoked_at.is_(None))
    ).first()
    if row is None or not hmac.compare_digest(row.key_hash, hash_key(key)):
        return None
    return Principal(row.name, row.prefix, frozenset(row.scopes), row.rate_per_window, row.daily_output_seconds)
