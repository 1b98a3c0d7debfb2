"""The deliverer: sends due deliveries from the outbox, at least once and in order per request and endpoint.

It is its own process (`video-assets webhooks deliver`), not a Dagster sensor: a sensor ticks every few seconds at
best and a tick must end within 60 s, while a delivery wants to go out within a second, retry on a timer of its own
and keep going while the Dagster daemon is down or an API-only machine runs without one.

A delivery is claimed with `FOR UPDATE SKIP LOCKED` and its row stays locked while it is sent; its state changes only
once the receiver's answer is known. A deliverer killed mid-send leaves the row `pending` and unlocked (Postgres ends
the dead connection's transaction), so another deliverer, or this one restarted, sends it again with the same
`webhook-id`: nothing is lost, and the receiver dedupes the repeat. Several deliverers share the work the same way.

A delivery waits while an earlier one of the same subject (a request or batch) to the same endpoint is pending, so
events arrive in order. A failed attempt is retried after an exponential, jittered wait; a delivery still failing
when its retry window is over gives up and marks its endpoint failing (a later success clears that)."""

from __future__ import annotations

import logging
import random
import signal
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased

from video_assets.db.engine import session_scope
from video_assets.db.models import utcnow
from video_assets.db.webhook_models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from video_assets.media.fetch_policy import FetchPolicy
from video_assets.settings import Settings
from video_assets.webhooks.sending import Attempt, body_of, post_signed, signed_headers

log = logging.getLogger(__name__)
MAX_RETRY_SECONDS = 3600.0  # the wait between attempts stops doubling here, so a long outage is still probed hourly


@dataclass(frozen=True)
class DeliveryPolicy:
    fetch: FetchPolicy
    timeout_seconds: float
    first_retry_seconds: float
    window_seconds: float
    rng: random.Random = field(default_factory=random.Random, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryPolicy:
        return cls(
            fetch=FetchPolicy(allow_hosts=frozenset(settings.fetch_allow_hosts)),
            timeout_seconds=settings.webhook_timeout_seconds,
            first_retry_seconds=settings.webhook_first_retry_seconds,
            window_seconds=settings.webhook_retry_window_seconds,
        )

    def retry_delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt: doubling from the first retry, jittered by +-50% so that
        the deliveries of one outage do not all come back at once."""
        base = min(self.first_retry_seconds * 2 ** (attempts - 1), MAX_RETRY_SECONDS)
        return timedelta(seconds=base * self.rng.uniform(0.5, 1.5))


def claim_due(session: Session, now: datetime) -> WebhookDelivery | None:
    earlier = aliased(WebhookDelivery)
    waits_for_earlier = exists().where(
        earlier.endpoint_id == WebhookDelivery.endpoint_id,
        earlier.subject == WebhookDelivery.subject,
        earlier.event_id < WebhookDelivery.event_id,
        earlier.state == "pending",
    )
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= now, ~waits_for_earlier)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.event_id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(query).first()


def live_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    previous = endpoint.previous_secret
    expires = endpoint.previous_secret_expires_at
    return [endpoint.secret] + ([previous] if previous and expires and expires > now else [])


def deliver_next(database_url: str, policy: DeliveryPolicy) -> bool:
    """Send one due delivery and record what came of it; False when none was due."""
    with session_scope(database_url) as session:
        now = utcnow()
        delivery = claim_due(session, now)
        if delivery is None:
            return False
        endpoint = session.get_one(WebhookEndpoint, delivery.endpoint_id)
        event = session.get_one(WebhookEvent, delivery.event_id)
        body = body_of(event.payload)
        headers = signed_headers(delivery.id, live_secrets(endpoint, now), body, now)
        attempt = post_signed(endpoint.url, body, headers, policy.fetch, policy.timeout_seconds)
        record_attempt(delivery, endpoint, attempt, policy, utcnow())
        log.info(
            "webhook %s %s to endpoint %s: %s",
            delivery.id,
            event.type,
            endpoint.id,
            delivery.state if attempt.delivered else f"{attempt.status or 'no answer'}, {delivery.state}",
        )
    return True


def record_attempt(
    delivery: WebhookDelivery, endpoint: WebhookEndpoint, attempt: Attempt, policy: DeliveryPolicy, now: datetime
) -> None:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status = attempt.status
    delivery.last_answer = attempt.answer
    if attempt.delivered:
        delivery.state = "delivered"
        delivery.delivered_at = now
        if endpoint.status != "active":
            endpoint.status, endpoint.failing_since, endpoint.failing_reason = "active", None, None
        return
    retry_at = now + policy.retry_delay(delivery.attempts)
    if retry_at <= delivery.window_start + timedelta(seconds=policy.window_seconds):
        delivery.next_attempt_at = retry_at
        return
    delivery.state = "failed"
    endpoint.status = "failing"
    endpoint.failing_since = endpoint.failing_since or now
    endpoint.failing_reason = (
        f"delivery {delivery.id} gave up after {delivery.attempts} attempts in "
        f"{policy.window_seconds:g} s; last answer: {attempt.status or 'none'} {attempt.answer}"
    )[:1000]


def run_worker(database_url: str, policy: DeliveryPolicy, poll_seconds: float, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            busy = deliver_next(database_url, policy)
        except SQLAlchemyError as error:
            # The database is down or the row went away (endpoint deleted mid-send): wait, then carry on.
            log.warning("webhook deliverer: %s", error)
            busy = False
        if not busy:
            stop.wait(poll_seconds)


def run_deliverer(settings: Settings, stop: threading.Event) -> None:
    """Send deliveries with `webhook_workers` threads until `stop` is set; each finishes the send it is in."""
    policy = DeliveryPolicy.from_settings(settings)
    url = settings.database_url.get_secret_value()
    # SQLite has no row locks to share the work with: one worker there, or two could send the same delivery at once.
    count = 1 if url.startswith("sqlite") else settings.webhook_workers
    workers = [
        threading.Thread(
            target=run_worker, args=(url, policy, settings.webhook_poll_seconds, stop), name=f"webhooks-{n}"
        )
        for n in range(count)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def deliver_until_signalled(settings: Settings) -> None:
    """The `video-assets webhooks deliver` process: SIGTERM or SIGINT lets each worker finish its send, then exits."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    window = settings.webhook_retry_window_seconds
    log.info("webhook deliverer: %d workers, retry window %g s", settings.webhook_workers, window)
    run_deliverer(settings, stop)
