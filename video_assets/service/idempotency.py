"""The IETF Idempotency-Key contract, per tenant: the first call with a key owns it; a retry with the same body gets
the first answer again, with another body a refusal, and while the first is still being handled a conflict."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from video_assets.db.api_models import IdempotentCall


def claim_key(session: Session, tenant: str, key: str, body_sha256: str) -> IdempotentCall | None:
    """None when this call now owns the key (commit before handling it, so others see it in flight); else the
    earlier call's row."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = session.execute(
        dialect.insert(IdempotentCall.__table__)
        .values(tenant=tenant, key=key, body_sha256=body_sha256, state="in_flight")
        .on_conflict_do_nothing(index_elements=["tenant", "key"])
        .returning(IdempotentCall.__table__.c.id)
    ).scalar()
    if inserted is not None:
        return None
    return session.scalar(select(IdempotentCall).where(IdempotentCall.tenant == tenant, IdempotentCall.key == key))


def record_answer(
    session: Session, tenant: str, key: str, status_code: int, headers: dict[str, str], body: dict[str, Any]
) -> None:
    call = session.scalar(select(IdempotentCall).where(IdempotentCall.tenant == tenant, IdempotentCall.key == key))
    if call is not None:
        call.state, call.status_code, call.headers, call.body = "done", status_code, headers, body


def release_key(session: Session, tenant: str, key: str) -> None:
    """The call ended without an answer worth replaying (a limit, a crash): the key may be used again."""
    session.execute(delete(IdempotentCall).where(IdempotentCall.tenant == tenant, IdempotentCall.key == key))
