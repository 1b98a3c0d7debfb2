"""The real `video-assets api` under uvicorn (one server for the package, tests/api/conftest.py), on real Postgres
and the moto S3 server, through a real HTTP client (requests). Keys are made in-process through the service functions
the `keys` command calls; one test drives the command itself."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from tests.api.client import Api, assert_problem, bearer, request_body
from video_assets.api.app import HANDLER_THREADS
from video_assets.db.api_models import ApiKey, AuditEntry
from video_assets.db.engine import session_scope
from video_assets.service.idempotency import claim_key
from video_assets.service.keys import hash_key, revoke_key
from video_assets.service.requests import StateConflict, cancel_request


def test_health_answers_without_a_key_and_every_v1_route_asks_for_one(api: Api) -> None:
    assert requests.get(f"{api.url}/healthz", timeout=10).json() == {"status": "ok"}
    ready = requests.get(f"{api.url}/readyz", timeout=30)
    assert ready.status_code == 200 and ready.json()["checks"] == {
        "database": "ok",
        "object_store": "ok",
        "dagster_daemon": "not checked: no Dagster instance configured (DAGSTER_HOME)",
        "request_sensor": "not checked: no Dagster instance configured (DAGSTER_HOME)",
    }
    for method, path in [("get", "/v1/videos"), ("post", "/v1/videos"), ("get", "/v1/catalog")]:
        assert_problem(requests.request(method, f"{api.url}{path}", timeout=10), 401)
    revoked = api.key("revoked-tenant")
    assert requests.get(f"{api.url}/v1/videos", headers=bearer(revoked), timeout=10).status_code == 200
    with session_scope(api.database_url) as session:
        revoke_key(session, revoked[:11])
    assert_problem(requests.get(f"{api.url}/v1/videos", headers=bearer(revoked), timeout=10), 401)
    assert_problem(requests.get(f"{api.url}/v1/videos", headers=bearer("va_not-a-key-at-all"), timeout=10), 401)


def test_keys_command_prints_a_key_once_lists_prefixes_and_rotation_retires_the_old_key(api: Api) -> None:
    made = api.cli("keys", "create", "--tenant", "rotating", "--scopes", "submit,read")
    key = made.stdout.strip()
    assert made.returncode == 0 and key.startswith("va_") and len(key) > 40, made.stderr
    old_works = requests.get(f"{api.url}/v1/videos", headers={"X-API-Key": key}, timeout=10)
    assert old_works.status_code == 200
    rotated = api.cli("keys", "rotate", key[:11])
    new_key = rotated.stdout.strip()
    assert rotated.returncode == 0 and new_key.startswith("va_") and new_key != key
    assert_problem(requests.get(f"{api.url}/v1/videos", headers=bearer(key), timeout=10), 401)
    assert requests.get(f"{api.url}/v1/videos", headers=bearer(new_key), timeout=10).status_code == 200
    listed = api.cli("keys", "list").stdout
    assert key[:11] in listed and new_key[:11] in listed and key not in listed and new_key not in listed
    assert "revoked" in listed
    with session_scope(api.database_url) as session:
        rows = session.execute(select(ApiKey.prefix, ApiKey.key_hash, ApiKey.revoked_at)).all()
    stored = " ".join(f"{prefix} {digest}" for prefix, digest, _ in rows)
    assert key not in stored and new_key not in stored
    assert (key[:11], hash_key(key)) in {(prefix, digest) for prefix, digest, revoked in rows if revoked}


def test_a_request_submitted_over_http_is_launched_by_the_sensor_completes_and_downloads_through_the_302(
    api: Api,
) -> None:
    key = api.key("studio")
    answer = requests.post(f"{api.url}/v1/videos", json=request_body(api), headers=bearer(key), timeout=60)
    assert answer.status_code == 202, answer.text
    request_id = answer.json()["id"]
    assert answer.headers["Location"] == f"/v1/videos/{request_id}" and int(answer.headers["Retry-After"]) > 0
    assert answer.json()["status"] == "pending" and answer.json()["queue_position"] >= 1

    ran = api.launch_pending()
    assert ran.returncode == 0 and f"{request_id} True" in ran.stdout, ran.stdout + ran.stderr[-3000:]

    status = requests.get(f"{api.url}/v1/videos/{request_id}", headers=bearer(key), timeout=30)
    assert status.status_code == 200 and status.json()["status"] == "completed", status.text
    [variant] = status.json()["variants"]
    assert {"video", "cover", "subtitles.srt"} <= set(variant["outputs"])
    assert variant["outputs"]["video"]["expires_at"]
    same = requests.get(
        f"{api.url}/v1/videos/{request_id}", headers=bearer(key) | {"If-None-Match": status.headers["ETag"]}, timeout=30
    )
    assert same.status_code == 304

    link = requests.get(f"{api.url}{variant['outputs']['video']['href']}", headers=bearer(key), allow_redirects=False)
    assert link.status_code == 302 and link.headers["Location"].startswith(api.env["VIDEO_ASSETS_S3_ENDPOINT_URL"])
    video = requests.get(link.headers["Location"], timeout=60)
    assert video.status_code == 200
    probed = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name", "-of", "json", "-"],
        input=video.content,
        capture_output=True,
        timeout=60,
    )
    assert json.loads(probed.stdout)["streams"][0]["codec_name"] == "h264"

    events = requests.get(f"{api.url}/v1/videos/{request_id}/events", headers=bearer(key), timeout=30).json()["events"]
    ids = [event["id"] for event in events]
    assert ids == sorted(ids) and events[0]["kind"] == "submitted" and events[-1]["kind"] == "completed"
    stream = requests.get(
        f"{api.url}/v1/videos/{request_id}/events",
        headers=bearer(key) | {"Accept": "text/event-stream", "Last-Event-ID": str(ids[1])},
        timeout=60,
    )
    assert stream.headers["content-type"].startswith("text/event-stream")
    streamed = [int(line[4:]) for line in stream.text.splitlines() if line.startswith("id: ")]
    assert streamed == ids[2:]

    other = api.key("someone-else")
    for path in (f"/v1/videos/{request_id}", f"/v1/videos/{request_id}/events", variant["outputs"]["video"]["href"]):
        hidden = requests.get(f"{api.url}{path}", headers=bearer(other), allow_redirects=False, timeout=30)
        unknown = requests.get(f"{api.url}{path.replace(request_id, 'req_unknown')}", headers=bearer(other))
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.json()["detail"].replace(request_id, "X") == unknown.json()["detail"].replace("req_unknown", "X")
    admin = api.key("operators", "admin")
    assert requests.get(f"{api.url}/v1/videos/{request_id}", headers=bearer(admin), timeout=30).status_code == 200

    assert_problem(requests.post(f"{api.url}/v1/videos/{request_id}/cancel", headers=bearer(key)), 409, "/status")
    with session_scope(api.database_url) as session:
        audited = session.scalars(select(AuditEntry).where(AuditEntry.target == request_id)).all()
    assert {(row.tenant, row.key_prefix, row.status_code) for row in audited} >= {
        ("studio", key[:11], 202),
        ("studio", key[:11], 409),
    }
    assert all(row.call_id and row.route for row in audited)


def test_cli_requests_belong_to_the_local_tenant_and_only_admin_keys_read_them(api: Api, tmp_path: Path) -> None:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request_body(api)), encoding="utf-8")
    submitted = api.cli("submit", str(path))
    assert submitted.returncode == 0, submitted.stderr
    request_id = submitted.stdout.strip()
    tenant_key, admin_key = api.key("reader"), api.key("admins", "admin")
    assert_problem(requests.get(f"{api.url}/v1/videos/{request_id}", headers=bearer(tenant_key)), 404)
    assert requests.get(f"{api.url}/v1/videos/{request_id}", headers=bearer(admin_key)).status_code == 200
    cancelled = requests.post(f"{api.url}/v1/videos/{request_id}/cancel", headers=bearer(admin_key))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    with session_scope(api.database_url) as session, pytest.raises(StateConflict, match="already ended"):
        cancel_request(session, request_id)
    assert_problem(requests.post(f"{api.url}/v1/videos/{request_id}/retry", headers=bearer(admin_key)), 409)


def test_idempotency_key_replays_refuses_another_body_and_conflicts_while_in_flight(api: Api) -> None:
    key = api.key("idempotent")
    headers = bearer(key) | {"Idempotency-Key": "order-1"}
    first = requests.post(f"{api.url}/v1/videos", json=request_body(api), headers=headers, timeout=60)
    replay = requests.post(f"{api.url}/v1/videos", json=request_body(api), headers=headers, timeout=60)
    assert first.status_code == replay.status_code == 202, first.text
    assert replay.json()["id"] == first.json()["id"] and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.headers["Location"] == first.headers["Location"]
    assert_problem(
        requests.post(f"{api.url}/v1/videos", json=request_body(api, title="Other"), headers=headers, timeout=60), 422
    )
    # The first call with order-2 is being handled by another API process: it owns the key, with this very body.
    body = json.dumps(request_body(api))
    with session_scope(api.database_url) as session:
        assert claim_key(session, "idempotent", "order-2", hashlib.sha256(body.encode()).hexdigest()) is None
    busy = bearer(key) | {"Idempotency-Key": "order-2", "Content-Type": "application/json"}
    assert_problem(requests.post(f"{api.url}/v1/videos", data=body, headers=busy, timeout=60), 409)
    other = api.key("idempotent-too")
    elsewhere = requests.post(
        f"{api.url}/v1/videos", json=request_body(api), headers=bearer(other) | {"Idempotency-Key": "order-1"}
    )
    assert elsewhere.status_code == 202 and elsewhere.json()["id"] != first.json()["id"]


def test_body_field_key_is_per_tenant_too(api: Api) -> None:
    one, two = api.key("field-one"), api.key("field-two")
    body = request_body(api, idempotency_key="article-7")
    first = requests.post(f"{api.url}/v1/videos", json=body, headers=bearer(one), timeout=60).json()["id"]
    again = requests.post(f"{api.url}/v1/videos", json=body, headers=bearer(one), timeout=60).json()["id"]
    theirs = requests.post(f"{api.url}/v1/videos", json=body, headers=bearer(two), timeout=60).json()["id"]
    assert first == again != theirs


def test_rate_limit_answers_429_with_headers_then_allows_again_after_the_window(api: Api) -> None:
    key = api.key("chatty", rate_per_window=3)
    answers = [requests.get(f"{api.url}/v1/videos", headers=bearer(key), timeout=10) for _ in range(4)]
    assert [a.status_code for a in answers[:1]] == [200]
    assert answers[0].headers["RateLimit-Policy"] == '"default";q=3;w=3'
    assert answers[0].headers["RateLimit"].startswith('"default";r=')
    limited = next(a for a in answers if a.status_code == 429)
    assert_problem(limited, 429)
    wait = int(limited.headers["Retry-After"])
    assert 1 <= wait <= 3
    time.sleep(wait)
    deadline = time.monotonic() + 10
    while (again := requests.get(f"{api.url}/v1/videos", headers=bearer(key), timeout=10)).status_code == 429:
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert again.status_code == 200


def test_daily_output_quota_refuses_past_it_and_stores_nothing(api: Api) -> None:
    key = api.key("thrifty", daily_output_seconds=40)
    first = requests.post(f"{api.url}/v1/videos", json=request_body(api), headers=bearer(key), timeout=60)
    second = requests.post(f"{api.url}/v1/videos", json=request_body(api), headers=bearer(key), timeout=60)
    third = requests.post(f"{api.url}/v1/videos", json=request_body(api), headers=bearer(key), timeout=60)
    assert (first.status_code, second.status_code) == (202, 202)
    assert_problem(third, 429, "/target_duration")
    assert int(third.headers["Retry-After"]) > 0
    listed = requests.get(f"{api.url}/v1/videos", headers=bearer(key), timeout=10).json()["requests"]
    assert len(listed) == 2


def test_a_body_over_the_cap_is_refused_with_413_whether_declared_or_chunked(api: Api) -> None:
    key = api.key("bulky")
    big = json.dumps(request_body(api, markdown="x" * 70000)).encode()
    assert_problem(
        requests.post(f"{api.url}/v1/videos", data=big, headers=bearer(key) | {"Content-Type": "application/json"}), 413
    )
    chunks = (big[i : i + 8192] for i in range(0, len(big), 8192))
    chunked = requests.post(
        f"{api.url}/v1/videos", data=chunks, headers=bearer(key) | {"Content-Type": "application/json"}, timeout=30
    )
    assert_problem(chunked, 413)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "pointer"),
    [
        ('{"title": "a\\u0000b", "markdown": "m"}', "application/json", 422, "/title"),
        ('{"title": "a\\u0007b", "markdown": "m"}', "application/json", 422, "/title"),
        ('{"title": "a", "title": "b", "markdown": "m"}', "application/json", 422, "/title"),
        ("[" * 50 + "]" * 50, "application/json", 400, ""),
        ('{"title": "a", "markdown": "m", "target_duration": NaN}', "application/json", 400, ""),
        ("title=a", "application/json", 400, ""),
        ('{"title": "a", "markdown": "m"}', "text/plain", 415, None),
        ('{"title": "' + "t" * 300 + '", "markdown": "m"}', "application/json", 422, "/title"),
        (
            '{"title": "a", "markdown": "m", "materials": [{"uri": "/etc/passwd"}]}',
            "application/json",
            422,
            "/materials/0/uri",
        ),
        (
            '{"title": "a", "markdown": "m", "materials": [{"uri": "s3://video-assets/requests/x/y.jpg"}]}',
            "application/json",
            422,
            "/materials/0/uri",
        ),
    ],
    ids=[
        "nul",
        "control",
        "duplicate-key",
        "deep-nesting",
        "nan",
        "not-json",
        "wrong-type",
        "oversized-field",
        "local-path",
        "service-bucket",
    ],
)
def test_bad_input_is_a_problem_with_a_pointer_never_a_500(
    api: Api, body: str, content_type: str, status: int, pointer: str | None
) -> None:
    key = api.key("careless")
    answer = requests.post(
        f"{api.url}/v1/videos", data=body.encode(), headers=bearer(key) | {"Content-Type": content_type}, timeout=30
    )
    assert_problem(answer, status, pointer)


def test_validate_is_a_dry_run_that_stores_nothing(api: Api) -> None:
    key = api.key("dry")
    good = requests.post(f"{api.url}/v1/videos:validate", json=request_body(api), headers=bearer(key), timeout=60)
    bad = requests.post(
        f"{api.url}/v1/videos:validate", json=request_body(api, script_styles=["nope"]), headers=bearer(key)
    )
    assert good.json() == {"valid": True, "problems": []}
    assert bad.json()["valid"] is False and bad.json()["problems"][0]["pointer"] == "/script_styles"
    assert requests.get(f"{api.url}/v1/videos", headers=bearer(key), timeout=10).json()["requests"] == []


def test_list_pages_with_a_cursor_and_link_header(api: Api) -> None:
    key = api.key("pager")
    ids = [
        requests.post(f"{api.url}/v1/videos", json=request_body(api), headers=bearer(key), timeout=60).json()["id"]
        for _ in range(3)
    ]
    first = requests.get(f"{api.url}/v1/videos?limit=2&status=pending", headers=bearer(key), timeout=10)
    assert [row["id"] for row in first.json()["requests"]] == ids[::-1][:2]
    assert 'rel="next"' in first.headers["Link"]
    after = first.json()["next"]
    second = requests.get(f"{api.url}/v1/videos?limit=2&status=pending&after={after}", headers=bearer(key))
    assert [row["id"] for row in second.json()["requests"]] == [ids[0]] and "Link" not in second.headers
    assert_problem(requests.get(f"{api.url}/v1/videos?status=bogus", headers=bearer(key)), 400, "/status")
    assert_problem(requests.get(f"{api.url}/v1/videos?created_after=0.0", headers=bearer(key)), 400, "/created_after")
    # An offset Postgres itself refuses (-22:57) is compared in UTC, not passed through.
    long_ago = {"created_after": "1897-08-27T12:03:21-22:57"}
    since = requests.get(f"{api.url}/v1/videos", params=long_ago, headers=bearer(key), timeout=10)
    assert {row["id"] for row in since.json()["requests"]} == set(ids)
    catalog = requests.get(f"{api.url}/v1/catalog", headers=bearer(key), timeout=30).json()
    assert "default" in catalog["styles"] and "1:1" in catalog["aspects"]


def test_more_open_event_streams_than_handler_threads_are_served_beside_other_calls(api: Api) -> None:
    """A dashboard may keep many SSE streams open on waiting requests: each stream is served, and so is a call made
    while they are all open (with the handler threads capped, a stream that slept on a thread would starve them)."""
    key = api.key("watchers")
    submitted = requests.post(f"{api.url}/v1/videos", json=request_body(api), headers=bearer(key), timeout=30)
    request_id = submitted.json()["id"]
    streams = [
        requests.get(
            f"{api.url}/v1/videos/{request_id}/events",
            headers=bearer(key) | {"Accept": "text/event-stream"},
            stream=True,
            timeout=30,
        )
        for _ in range(2 * HANDLER_THREADS * int(api.env["VIDEO_ASSETS_API_WORKERS"]))
    ]
    try:
        for stream in streams:  # each is open and polling: it has sent the request's first event
            assert next(stream.iter_lines(decode_unicode=True)).startswith("id: ")
        status = requests.get(f"{api.url}/v1/videos/{request_id}", headers=bearer(key), timeout=10)
        assert status.status_code == 200 and status.json()["status"] == "pending"
    finally:
        for stream in streams:
            stream.close()
