"""A token bucket kept in a Postgres row, so a vendor's rate limit holds across every worker process and machine.

Same contract as video_assets.llm.rate_limit.TokenBucket: `capacity` units refilled evenly over 60 s. Each take
locks the row for one short transaction; a caller that finds too few units sleeps for the shortfall and asks again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from video_assets.db.engine import session_scope
from video_assets.db.models import utcnow
from video_assets.db.vendor_models import VendorRateBucket
from video_assets.resilience.breaker import as_utc


class SharedTokenBucket:
    def __init__(
        self, database_url: str, name: str, per_minute: float, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if per_minute <= 0:
            raise ValueError("a rate limit must be positive")
        self.database_url = database_url
        self.name = name
        self.capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._sleep = sleep

    def acquire(self, amount: float = 1.0) -> float:
        """Take `amount` units, waiting as long as needed; returns the seconds waited."""
        amount = min(float(amount), self.capacity)
        waited = 0.0
        while True:
            shortfall = self._take(amount)
            if shortfall <= 0:
                return waited
            self._sleep(shortfall)
            waited += shortfall

    def charge(self, amount: float) -> None:
        """Take units after the fact (the real count is known only from the response); may go negative."""
        with session_scope(self.database_url) as session:
            row = self._refilled(session)
            row.level -= amount

    def _take(self, amount: float) -> float:
        """0 when taken, else the seconds until the bucket holds `amount`."""
        with session_scope(self.database_url) as session:
            row = self._refilled(session)
            if row.level >= amount:
                row.level -= amount
                return 0.0
            return (amount - row.level) / self._rate

    def _refilled(self, session: Session) -> VendorRateBucket:
        query = select(VendorRateBucket).where(VendorRateBucket.name == self.name).with_for_update()
        row = session.scalars(query).one_or_none()
        now = utcnow()
        if row is None:
            try:
                with session.begin_nested():
                    session.add(VendorRateBucket(name=self.name, level=self.capacity, updated_at=now))
            except IntegrityError:
                pass  # another worker created it first
            row = session.scalars(query.execution_options(populate_existing=True)).one()
        elapsed = max(0.0, (now - as_utc(row.updated_at)).total_seconds())
        row.level = min(self.capacity, row.level + elapsed * self._rate)
        row.updated_at = now
        return row
