from __future__ import annotations

import hashlib
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.fixtures.media import MediaServer, Samples
from video_assets.media import FetchPolicy, IngestPolicy, MaterialRejected, S3Sources, fetch_material


def rejection(uri: str, dest: Path, policy: FetchPolicy, s3_reader: object = None) -> MaterialRejected:
    with pytest.raises(MaterialRejected) as caught:
        fetch_material(uri, dest, policy, s3_reader)  # type: ignore[arg-type]
    return caught.value


def test_http_material_from_an_allow_listed_local_server_is_fetched(
    server: MediaServer, samples: Samples, policy: IngestPolicy, tmp_path: Path
) -> None:
    url = server.serve_file("/photo.bin", samples["photo_small.jpg"])
    fetched = fetch_material(url, tmp_path, policy.fetch, None)
    original = samples["photo_small.jpg"].read_bytes()
    assert fetched.sniffed_mime == "image/jpeg"
    assert fetched.path == tmp_path / "original.jpg"
    assert fetched.size == len(original)
    assert fetched.sha256 == hashlib.sha256(original).hexdigest()


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("localhost", "loopback"),
        ("127.0.0.1", "loopback"),
        ("[::1]", "loopback"),
        ("[::ffff:127.0.0.1]", "loopback"),
        ("10.1.2.3", "private"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),
    ],
)
def test_private_and_loopback_targets_are_refused_before_any_connection(
    server: MediaServer, policy: IngestPolicy, tmp_path: Path, host: str, kind: str
) -> None:
    closed = FetchPolicy(local_roots=policy.fetch.local_roots)
    refused = rejection(f"http://{host}:{server.port}/photo.jpg", tmp_path, closed)
    assert "SSRF" in refused.reason and kind in refused.reason
    assert refused.transient is False
    assert server.hits == []


def test_redirect_to_a_private_address_is_refused(server: MediaServer, policy: IngestPolicy, tmp_path: Path) -> None:
    url = server.redirect("/hop", "http://169.254.169.254/latest/meta-data/")
    refused = rejection(url, tmp_path, policy.fetch)
    assert "169.254.169.254" in refused.reason and "SSRF" in refused.reason
    assert server.hits == ["/hop"]
    to_file = rejection(server.redirect("/to-file", "file:///etc/passwd"), tmp_path, policy.fetch)
    assert "unsupported scheme 'file://'" in to_file.reason


def test_redirect_to_a_non_allow_listed_loopback_name_is_refused(
    server: MediaServer, samples: Samples, policy: IngestPolicy, tmp_path: Path
) -> None:
    server.serve_file("/photo.jpg", samples["photo_small.jpg"])
    url = server.redirect("/hop", server.url("/photo.jpg", host="localhost"))
    refused = rejection(url, tmp_path, policy.fetch)
    assert "'localhost'" in refused.reason and "loopback" in refused.reason
    assert server.hits == ["/hop"]


def test_redirects_are_followed_up_to_the_cap(
    server: MediaServer, samples: Samples, policy: IngestPolicy, tmp_path: Path
) -> None:
    server.serve_file("/photo.jpg", samples["photo_small.jpg"])
    server.redirect("/hop3", "/photo.jpg")
    server.redirect("/hop2", server.url("/hop3"))
    url = server.redirect("/hop1", "/hop2")
    assert fetch_material(url, tmp_path, policy.fetch, None).sniffed_mime == "image/jpeg"
    server.redirect("/hop0", "/hop1")
    refused = rejection(server.url("/hop0"), tmp_path, policy.fetch)
    assert "too many redirects" in refused.reason


def test_declared_content_length_over_the_cap_is_refused_before_reading(
    server: MediaServer, policy: IngestPolicy, tmp_path: Path
) -> None:
    def huge(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(10 * 1024 * 1024 * 1024))
        handler.end_headers()
        handler.wfile.write(b"\xff\xd8\xff" + b"\0" * 1024)

    refused = rejection(server.route("/huge.jpg", huge), tmp_path, policy.fetch)
    assert "larger than the 2 MB limit" in refused.reason and not refused.transient


def test_chunked_download_without_content_length_is_cut_at_the_cap(
    server: MediaServer, policy: IngestPolicy, tmp_path: Path
) -> None:
    def endless(handler: BaseHTTPRequestHandler) -> None:
        handler.protocol_version = "HTTP/1.1"
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Connection", "close")
        handler.end_headers()
        chunk = b"\0" * 65536
        try:
            for _ in range(64):  # 4 MB, twice the cap
                handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            handler.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up at the cap, which is the point

    refused = rejection(server.route("/stream.mp4", endless), tmp_path, policy.fetch)
    assert "larger than the 2 MB limit" in refused.reason and not refused.transient


def test_not_found_is_permanent_and_server_errors_are_transient(
    server: MediaServer, policy: IngestPolicy, tmp_path: Path
) -> None:
    missing = rejection(server.status("/gone.jpg", 404), tmp_path, policy.fetch)
    assert "HTTP 404" in missing.reason and missing.transient is False
    busy = rejection(server.status("/busy.jpg", 503), tmp_path, policy.fetch)
    assert "HTTP 503" in busy.reason and busy.transient is True
    throttled = rejection(server.status("/slow.jpg", 429), tmp_path, policy.fetch)
    assert throttled.transient is True


def test_connection_refused_is_transient(policy: IngestPolicy, tmp_path: Path) -> None:
    unused_port = MediaServer()
    url = unused_port.url("/x.jpg")
    unused_port.close()
    refused = rejection(url, tmp_path, policy.fetch)
    assert "could not connect" in refused.reason and refused.transient is True


def test_html_page_named_jpg_is_rejected_by_content(
    server: MediaServer, samples: Samples, policy: IngestPolicy, tmp_path: Path
) -> None:
    refused = rejection(server.serve_file("/photo.jpg", samples["page.jpg"]), tmp_path, policy.fetch)
    assert refused.reason == "not a supported image or video: detected text/html"


def test_empty_download_is_rejected(
    server: MediaServer, samples: Samples, policy: IngestPolicy, tmp_path: Path
) -> None:
    refused = rejection(server.serve_file("/empty.jpg", samples["empty.jpg"]), tmp_path, policy.fetch)
    assert refused.reason == "the file is empty"


def test_unsupported_scheme_is_refused(policy: IngestPolicy, tmp_path: Path) -> None:
    assert "unsupported scheme 'ftp://'" in rejection("ftp://example.com/a.jpg", tmp_path, policy.fetch).reason


def test_local_path_inside_a_root_is_copied(samples: Samples, policy: IngestPolicy, tmp_path: Path) -> None:
    fetched = fetch_material(str(samples["landscape.mp4"]), tmp_path, policy.fetch, None)
    assert fetched.sniffed_mime == "video/mp4" and fetched.path.read_bytes() == samples["landscape.mp4"].read_bytes()
    as_url = fetch_material(samples["photo_small.jpg"].as_uri(), tmp_path / "url", policy.fetch, None)
    assert as_url.sniffed_mime == "image/jpeg"


def test_local_paths_outside_the_roots_are_refused(samples: Samples, policy: IngestPolicy, tmp_path: Path) -> None:
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(samples["photo_small.jpg"].read_bytes())
    assert "outside the allowed local roots" in rejection(str(outside), tmp_path / "a", policy.fetch).reason
    assert "outside the allowed local roots" in rejection("/etc/passwd", tmp_path / "b", policy.fetch).reason
    escape = f"{samples.root}/../{outside.parent.name}/outside.jpg"
    assert "outside the allowed local roots" in rejection(escape, tmp_path / "c", policy.fetch).reason
    assert "must be absolute" in rejection("photo_small.jpg", tmp_path / "d", policy.fetch).reason
    assert "not allowed" in rejection(str(samples["photo_small.jpg"]), tmp_path / "e", FetchPolicy()).reason


def test_symlink_inside_a_root_pointing_outside_is_refused(
    samples: Samples, policy: IngestPolicy, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(samples["photo_small.jpg"].read_bytes())
    link = samples.root / f"link-{tmp_path.name}.jpg"
    link.symlink_to(secret)
    try:
        assert "outside the allowed local roots" in rejection(str(link), tmp_path / "out", policy.fetch).reason
    finally:
        link.unlink()


def test_s3_material_is_read_through_the_injected_reader(
    samples: Samples, policy: IngestPolicy, tmp_path: Path
) -> None:
    calls: list[tuple[str, str, int]] = []

    def reader(bucket: str, key: str, dest: Path, max_bytes: int) -> None:
        calls.append((bucket, key, max_bytes))
        dest.write_bytes(samples["portrait.mp4"].read_bytes())

    allowed = replace(policy.fetch, s3=S3Sources(allowed=("media/uploads/",)))
    fetched = fetch_material("s3://media/uploads/clip.mp4", tmp_path, allowed, reader)
    assert calls == [("media", "uploads/clip.mp4", policy.fetch.max_bytes)]
    assert fetched.sniffed_mime == "video/mp4"


def test_s3_without_a_reader_and_a_missing_key_are_clear_permanent_errors(policy: IngestPolicy, tmp_path: Path) -> None:
    allowed = replace(policy.fetch, s3=S3Sources(allowed=("media",)))
    assert "none is configured" in rejection("s3://media/a.mp4", tmp_path, allowed).reason

    class NoSuchKey(Exception):
        response = {"Error": {"Code": "NoSuchKey"}}

    def reader(bucket: str, key: str, dest: Path, max_bytes: int) -> None:
        raise NoSuchKey("The specified key does not exist.")

    missing = rejection("s3://media/a.mp4", tmp_path, allowed, reader)
    assert "NoSuchKey" in missing.reason and missing.transient is False
