"""POST /v1/uploads on the real server: a presigned S3 POST into the pipeline's bucket that a real HTTP client fills
with a real photo on the moto S3 server; the URI it hands out is accepted in that tenant's requests only, and the
ingestion policy reads the object."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import boto3
import requests

from resources.ingest import IngestResource
from tests.api.client import Api, assert_problem, bearer, request_body
from tests.media_samples import photo
from video_assets.media import fetch_material
from video_assets.storage.s3 import S3ObjectStore, s3_material_reader


def bucket_store(api: Api) -> S3ObjectStore:
    client = boto3.client(
        "s3",
        endpoint_url=api.env["VIDEO_ASSETS_S3_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    store = S3ObjectStore(client, api.env["VIDEO_ASSETS_S3_BUCKET"])
    store.ensure_bucket()  # as the deployment's MinIO setup does before any client uploads
    return store


def ask_upload(api: Api, key: str, **fields: str) -> requests.Response:
    body = {"filename": "coffee.jpg", "content_type": "image/jpeg", **fields}
    return requests.post(f"{api.url}/v1/uploads", json=body, headers=bearer(key), timeout=30)


def test_an_uploaded_photo_is_usable_by_its_tenant_only_and_ingestion_reads_it(api: Api, tmp_path: Path) -> None:
    store = bucket_store(api)
    owner, stranger = api.key("uploader"), api.key("stranger")
    answer = ask_upload(api, owner)
    assert answer.status_code == 201, answer.text
    form = answer.json()
    uri = form["uri"]
    assert uri.startswith(f"s3://{store.bucket}/api-uploads/uploader/{form['id']}/") and uri.endswith("/coffee.jpg")

    # The signed policy is what makes S3 refuse another type or a larger file than materials may be.
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    assert ["content-length-range", 1, form["max_bytes"]] in policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in policy["conditions"]

    image = photo("coffee", tmp_path / "coffee.jpg", size=(320, 240)).read_bytes()
    posted = requests.post(
        form["url"], data=form["fields"], files={"file": ("coffee.jpg", image, "image/jpeg")}, timeout=30
    )
    assert posted.status_code in (200, 201, 204), posted.text
    assert store.get_bytes(uri.removeprefix(f"s3://{store.bucket}/")) == image

    materials = [{"uri": uri}]
    foreign = requests.post(
        f"{api.url}/v1/videos", json=request_body(api, materials=materials), headers=bearer(stranger), timeout=30
    )
    assert "not an upload of this tenant" in assert_problem(foreign, 422, "/materials/0/uri")["detail"]
    made_up = [{"uri": uri.replace(form["id"], "upl_000000000000000000000000")}]
    assert_problem(
        requests.post(
            f"{api.url}/v1/videos", json=request_body(api, materials=made_up), headers=bearer(owner), timeout=30
        ),
        422,
        "/materials/0/uri",
    )
    own = requests.post(
        f"{api.url}/v1/videos", json=request_body(api, materials=materials), headers=bearer(owner), timeout=30
    )
    assert own.status_code == 202, own.text

    # Ingestion's policy, as the pipeline builds it for this request, reads the upload from its own bucket.
    policy_for_request = IngestResource(store_bucket=store.bucket).policy().fetch.for_request(own.json()["id"])
    fetched = fetch_material(uri, tmp_path / "fetched", policy_for_request, s3_material_reader(store.client))
    assert fetched.sniffed_mime == "image/jpeg" and fetched.size == len(image)


def test_an_upload_with_a_path_for_a_name_or_a_non_media_type_is_refused_with_pointers(api: Api) -> None:
    key = api.key("careless-uploader")
    assert_problem(ask_upload(api, key, filename="../requests/x.jpg"), 422, "/filename")
    assert_problem(ask_upload(api, key, content_type="text/html"), 422, "/content_type")
    assert_problem(
        requests.post(
            f"{api.url}/v1/uploads", data="[]", headers={**bearer(key), "Content-Type": "application/json"}, timeout=30
        ),
        400,
    )
