"""One signed POST to a webhook endpoint, as Standard Webhooks describes it.

The URL goes through the same SSRF guard as material downloads at send time: the name is resolved and vetted now
and the connection pinned to that address, so a name that resolved to a public address at registration and to a
private one later is refused here, before any connection. Redirects are not followed, and a watchdog holds the
deadline whatever the receiver does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from standardwebhooks.webhooks import Webhook

from video_assets.media.errors import MaterialRejected
from video_assets.media.fetch_policy import FetchPolicy
from video_assets.media.http_download import pinned_session, vet_url
from video_assets.media.watchdog import DownloadWatchdog

ANSWER_CHARS = 500  # what the delivery log keeps of an answer's body
USER_AGENT = "video-assets-webhooks/1"


@dataclass(frozen=True)
class Attempt:
    """What came of one POST: the HTTP status (None when no answer came) and the answer's start or the reason."""

    status: int | None
    answer: str

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def body_of(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def signed_headers(message_id: str, secrets: list[str], body: str, now: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers; one `v1,` signature per live secret (two during a rotation)."""
    signatures = " ".join(Webhook(secret).sign(message_id, now, body) for secret in secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


def post_signed(url: str, body: str, headers: dict[str, str], policy: FetchPolicy, timeout: float) -> Attempt:
    try:
        target = vet_url(url, policy)
    except MaterialRejected as refused:
        return Attempt(None, f"not sent: {refused.reason}")
    with DownloadWatchdog(timeout, 0.0, timeout) as watchdog:
        session = pinned_session(target, watchdog)
        try:
            response = session.post(
                target.url,
                data=body.encode(),
                headers={**headers, "Host": target.host_header},
                allow_redirects=False,
                stream=True,
                timeout=(timeout, timeout),
                verify=policy.ca_bundle or True,
            )
            with response:
                answer = response.raw.read(ANSWER_CHARS, decode_content=True).decode("utf-8", "replace")
        except (requests.RequestException, OSError) as error:
            return Attempt(None, watchdog.reason or f"no answer: {type(error).__name__}: {error}"[:ANSWER_CHARS])
        finally:
            session.close()
    if response.is_redirect:
        answer = f"redirect to {response.headers.get('location', '?')} not followed"
    return Attempt(response.status_code, answer)
