"""Webhooks end to end: the real API registers endpoints, the real pipeline and API write the outbox, a real
`video-assets webhooks deliver` process sends, and a receiver on localhost (allowed by the downloads' host
allow-list, 127.0.0.1) verifies every delivery with the `standardwebhooks` library."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.api.client import Api, assert_problem, bearer, request_body
from tests.harness.postgres import free_port
from tests.webhooks.conftest import Deliverer
from tests.webhooks.receiver import Receiver, wait_for
from video_assets.db.engine import session_scope
from video_assets.media.fetch_policy import FetchPolicy
from video_assets.webhooks.endpoints import EndpointSpec, register_endpoint

STAGES = ("media_items", "media_analyses", "video_scripts", "rendered_videos")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


def register(api: Api, key: str, url: str, **fields: Any) -> dict[str, Any]:
    answer = requests.post(f"{api.url}/v1/webhook-endpoints", json={"url": url, **fields}, headers=bearer(key))
    assert answer.status_code == 201, answer.text
    return answer.json()


def delivery_log(api: Api, key: str, endpoint_id: str) -> dict[str, Any]:
    answer = requests.get(f"{api.url}/v1/webhook-endpoints/{endpoint_id}/deliveries", headers=bearer(key), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def of_subject(payloads: list[dict[str, Any]], subject: str) -> list[tuple[str, str | None]]:
    return [(p["type"], p["data"].get("stage")) for p in payloads if p["data"]["id"] == subject]


def test_each_event_of_a_request_arrives_signed_once_and_in_order_through_three_500s(
    api: Api, deliverer: Deliverer, receiver: Receiver
) -> None:
    key = api.key("hooked")
    receiver.failures_first = 3
    endpoint = register(api, key, receiver.url, description="CMS")
    receiver.secret = endpoint["secret"]
    assert endpoint["secret"].startswith("whsec_") and endpoint["status"] == "active"
    listed = requests.get(f"{api.url}/v1/webhook-endpoints", headers=bearer(key), timeout=10).json()["endpoints"]
    assert [e["id"] for e in listed] == [endpoint["id"]] and "secret" not in listed[0]

    body = request_body(api, metadata={"crm_id": "A-42"})
    request_id = requests.post(f"{api.url}/v1/videos", json=body, headers=bearer(key), timeout=60).json()["id"]
    ran = api.launch_pending()
    assert ran.returncode == 0 and f"{request_id} True" in ran.stdout, ran.stdout + ran.stderr[-3000:]

    def succeeded() -> list[dict[str, Any]] | None:
        payloads = receiver.unique()
        return payloads if any(p["type"] == "video.succeeded" for p in payloads) else None

    payloads = wait_for(succeeded, what="video.succeeded at the receiver")
    assert [d.error for d in receiver.deliveries] == [None] * len(receiver.deliveries)
    assert of_subject(payloads, request_id) == [
        ("video.accepted", None),
        ("video.started", "media_items"),
        *[("video.stage_completed", stage) for stage in STAGES],
        ("video.succeeded", "rendered_videos"),
    ], [(d.webhook_id, d.status, d.payload and d.payload["type"]) for d in receiver.deliveries]
    assert {p["data"]["metadata"]["crm_id"] for p in payloads} == {"A-42"}
    assert payloads[-1]["data"]["status"] == "completed" and payloads[-1]["timestamp"].endswith("Z")
    first = receiver.deliveries[:4]
    assert [d.status for d in first] == [500, 500, 500, 200] and len({d.webhook_id for d in first}) == 1

    log = delivery_log(api, key, endpoint["id"])
    assert {d["state"] for d in log["deliveries"]} == {"delivered"} and log["endpoint"]["status"] == "active"
    accepted = log["deliveries"][-1]
    assert (accepted["event_type"], accepted["attempts"], accepted["last_status"]) == ("video.accepted", 4, 200)


def test_an_endpoint_down_past_the_window_is_marked_failing_and_its_events_can_be_redelivered(
    api: Api, deliverer: Deliverer
) -> None:
    key = api.key("hook-down")
    port = free_port()  # nothing listens there yet
    endpoint = register(api, key, f"http://127.0.0.1:{port}/hooks")
    batch = requests.post(
        f"{api.url}/v1/batches", json={"requests": [request_body(api)]}, headers=bearer(key), timeout=60
    ).json()
    request_id = batch["items"][0]["id"]
    assert requests.post(f"{api.url}/v1/videos/{request_id}/cancel", headers=bearer(key), timeout=10).ok

    def gave_up() -> dict[str, Any] | None:
        log = delivery_log(api, key, endpoint["id"])
        settled = len(log["deliveries"]) == 3 and all(d["state"] == "failed" for d in log["deliveries"])
        return log if settled and log["endpoint"]["status"] == "failing" else None

    log = wait_for(gave_up, what="every delivery to give up and the endpoint to be marked failing")
    assert log["endpoint"]["failing_reason"] and log["endpoint"]["failing_since"]
    assert all(d["attempts"] >= 2 and d["last_status"] is None for d in log["deliveries"])

    receiver = Receiver(port)
    receiver.secret = endpoint["secret"]
    try:
        for delivery in reversed(log["deliveries"]):  # oldest first
            path = f"/v1/webhook-endpoints/{endpoint['id']}/deliveries/{delivery['id']}/redeliver"
            assert requests.post(f"{api.url}{path}", headers=bearer(key), timeout=10).status_code == 202
        payloads = wait_for(lambda: len(receiver.unique()) == 3 and receiver.unique(), what="the redeliveries")
        assert of_subject(payloads, request_id) == [("video.accepted", None), ("video.cancelled", None)]
        [completed] = [p for p in payloads if p["type"] == "batch.completed"]
        assert completed["data"] == {"id": batch["id"], "status": "completed", "statuses": {"cancelled": 1}}
        assert {d.webhook_id for d in receiver.deliveries} == {d["id"] for d in log["deliveries"]}
        active = wait_for(lambda: delivery_log(api, key, endpoint["id"])["endpoint"]["status"] == "active")
        assert active
    finally:
        receiver.close()


def test_private_addresses_are_refused_at_registration_and_at_connect_time_and_never_contacted(
    api: Api, deliverer: Deliverer, receiver: Receiver
) -> None:
    key = api.key("hook-ssrf")
    port = int(receiver.url.split(":")[2].split("/")[0])
    for url in (
        f"http://localhost:{port}/hooks",  # loopback by name: only 127.0.0.1 is allow-listed
        f"http://[::ffff:127.0.0.2]:{port}/hooks",
        "http://10.1.2.3/hooks",
        "http://169.254.169.254/latest/meta-data",
        "ftp://example.org/hooks",
    ):
        answer = requests.post(f"{api.url}/v1/webhook-endpoints", json={"url": url}, headers=bearer(key), timeout=10)
        assert_problem(answer, 422, "/url")

    # A name that resolved to a public address when it was registered and resolves to loopback now: registered
    # in-process with a policy that let the name through, it meets the deliverer's check at connect time.
    with session_scope(api.database_url) as session:
        spec = EndpointSpec(url=f"http://localhost:{port}/hooks")
        rebound, _ = register_endpoint(session, "hook-ssrf", spec, FetchPolicy(allow_hosts=frozenset({"localhost"})))
    test = requests.post(f"{api.url}/v1/webhook-endpoints/{rebound.id}/test", headers=bearer(key), timeout=10)
    assert test.status_code == 202, test.text

    def attempted() -> dict[str, Any] | None:
        [delivery] = delivery_log(api, key, rebound.id)["deliveries"]
        return delivery if delivery["attempts"] >= 1 else None

    delivery = wait_for(attempted, what="the delivery's first attempt")
    assert delivery["last_status"] is None and "loopback" in delivery["last_answer"], delivery
    assert receiver.connections == 0 and receiver.deliveries == []


def test_killing_the_deliverer_in_the_middle_of_a_send_loses_no_event(
    api: Api, deliverer: Deliverer, receiver: Receiver
) -> None:
    key = api.key("hook-kill")
    endpoint = register(api, key, receiver.url)
    receiver.secret = endpoint["secret"]
    receiver.hold = threading.Event()
    test = requests.post(f"{api.url}/v1/webhook-endpoints/{endpoint['id']}/test", headers=bearer(key), timeout=10)
    delivery_id = test.json()["delivery_id"]

    wait_for(receiver.holding.is_set, what="the deliverer to be in the middle of the send")
    deliverer.kill()
    hold, receiver.hold = receiver.hold, None
    hold.set()  # the receiver's answer goes to a dead connection: the deliverer never learned of it
    deliverer.start()
    deliverer.wait_until_ready()

    def delivered() -> dict[str, Any] | None:
        [delivery] = delivery_log(api, key, endpoint["id"])["deliveries"]
        return delivery if delivery["state"] == "delivered" else None

    delivery = wait_for(delivered, what="the delivery after the restart")
    assert delivery["id"] == delivery_id and delivery["attempts"] == 1  # the killed attempt was never recorded
    assert [d.webhook_id for d in receiver.deliveries] == [delivery_id, delivery_id]
    assert [p["type"] for p in receiver.unique()] == ["webhook.test"]


def test_rotation_signs_with_both_secrets_and_other_tenants_see_no_endpoint(
    api: Api, deliverer: Deliverer, receiver: Receiver
) -> None:
    key = api.key("hook-rotate")
    endpoint = register(api, key, receiver.url, event_types=["video.failed"])
    base = f"{api.url}/v1/webhook-endpoints/{endpoint['id']}"
    rotated = requests.post(f"{base}/rotate-secret", headers=bearer(key), timeout=10).json()["secret"]
    assert rotated.startswith("whsec_") and rotated != endpoint["secret"]
    receiver.secret = endpoint["secret"]  # a receiver not yet switched over still verifies
    requests.post(f"{base}/test", headers=bearer(key), timeout=10)
    wait_for(receiver.unique, what="the test event")
    receiver.secret = rotated
    requests.post(f"{base}/test", headers=bearer(key), timeout=10)
    wait_for(lambda: len(receiver.unique()) == 2, what="the second test event")
    assert [d.error for d in receiver.deliveries] == [None, None]

    stranger = api.key("hook-stranger")
    for method, path in (("get", ""), ("get", "/deliveries"), ("post", "/test"), ("delete", "")):
        assert_problem(requests.request(method, f"{base}{path}", headers=bearer(stranger), timeout=10), 404)
    assert requests.delete(base, headers=bearer(key), timeout=10).status_code == 204
    assert_problem(requests.get(base, headers=bearer(key), timeout=10), 404)
    unknown_type = {"url": receiver.url, "event_types": ["video.exploded"]}
    bad = requests.post(f"{api.url}/v1/webhook-endpoints", json=unknown_type, headers=bearer(key), timeout=10)
    assert_problem(bad, 422, "/event_types")
