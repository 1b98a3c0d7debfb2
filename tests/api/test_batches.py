"""POST /v1/batches and GET /v1/batches/{id} on the live server: each item validated and stored on its own."""

from __future__ import annotations

import requests

from tests.api.client import Api, assert_problem, bearer, request_body


def pointers(item: dict) -> list[str]:
    return [error["pointer"] for error in item["problem"]["errors"]]


def test_a_batch_stores_each_valid_item_and_answers_a_problem_per_refused_item(api: Api) -> None:
    key = api.key("batcher")
    body = {
        "requests": [
            request_body(api),
            request_body(api, script_styles=["nope"]),
            request_body(api, materials=[{"uri": "/etc/passwd"}]),
        ]
    }
    answer = requests.post(f"{api.url}/v1/batches", json=body, headers=bearer(key), timeout=60)
    assert answer.status_code == 202, answer.text
    batch = answer.json()
    assert answer.headers["Location"] == f"/v1/batches/{batch['id']}"
    assert (batch["size"], batch["accepted"], batch["refused"]) == (3, 1, 2)
    stored, styled, local = batch["items"]
    assert stored["index"] == 0 and stored["status"] == "pending"
    assert styled["problem"]["status"] == 422 and "/requests/1/script_styles" in pointers(styled)
    assert local["problem"]["status"] == 422 and "/requests/2/materials/0/uri" in pointers(local)
    listed = requests.get(f"{api.url}/v1/videos", headers=bearer(key), timeout=10).json()["requests"]
    assert [row["id"] for row in listed] == [stored["id"]]

    rolled = requests.get(f"{api.url}/v1/batches/{batch['id']}", headers=bearer(key), timeout=10).json()
    assert rolled["statuses"] == {"pending": 1} and rolled["ended"] is False
    assert rolled["items"][1:] == batch["items"][1:]
    cancelled = requests.post(f"{api.url}/v1/videos/{stored['id']}/cancel", headers=bearer(key), timeout=10)
    assert cancelled.status_code == 200
    rolled = requests.get(f"{api.url}/v1/batches/{batch['id']}", headers=bearer(key), timeout=10).json()
    assert rolled["statuses"] == {"cancelled": 1} and rolled["ended"] is True

    stranger = api.key("batch-stranger")
    hidden = requests.get(f"{api.url}/v1/batches/{batch['id']}", headers=bearer(stranger), timeout=10)
    unknown = requests.get(f"{api.url}/v1/batches/bat_unknown", headers=bearer(stranger), timeout=10)
    assert_problem(hidden, 404)
    assert_problem(unknown, 404)
    assert hidden.json()["detail"].replace(batch["id"], "X") == unknown.json()["detail"].replace("bat_unknown", "X")
    admin = api.key("batch-admins", "admin")
    assert requests.get(f"{api.url}/v1/batches/{batch['id']}", headers=bearer(admin), timeout=10).status_code == 200


def test_the_daily_quota_refuses_the_items_past_it_and_stores_the_others(api: Api) -> None:
    key = api.key("batch-thrifty", daily_output_seconds=20)
    body = {"requests": [request_body(api), request_body(api)]}
    batch = requests.post(f"{api.url}/v1/batches", json=body, headers=bearer(key), timeout=60).json()
    first, second = batch["items"]
    assert first["status"] == "pending"
    assert second["problem"]["status"] == 429 and "/requests/1/target_duration" in pointers(second)
    listed = requests.get(f"{api.url}/v1/videos", headers=bearer(key), timeout=10).json()["requests"]
    assert [row["id"] for row in listed] == [first["id"]]


def test_a_batch_body_of_the_wrong_shape_is_refused_whole(api: Api) -> None:
    key = api.key("batch-careless")
    too_many = {"requests": [request_body(api)] * 51}
    assert_problem(requests.post(f"{api.url}/v1/batches", json=too_many, headers=bearer(key)), 422, "/requests")
    assert_problem(requests.post(f"{api.url}/v1/batches", json={"requests": []}, headers=bearer(key)), 422)
    extra = {"requests": [request_body(api)], "priority": "high"}
    assert_problem(requests.post(f"{api.url}/v1/batches", json=extra, headers=bearer(key)), 422, "/priority")
    assert_problem(requests.post(f"{api.url}/v1/batches", json=[request_body(api)], headers=bearer(key)), 400, "")
    assert requests.get(f"{api.url}/v1/videos", headers=bearer(key), timeout=10).json()["requests"] == []
