"""HTTPS goes to the vetted address while SNI and certificate checks still use the requested host name."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.media import MediaServer, Samples
from video_assets.media import FetchPolicy, MaterialRejected, fetch_material


@pytest.fixture
def tls_server(server: MediaServer, tmp_path: Path) -> Iterator[tuple[MediaServer, Path]]:
    """The shared test server, wrapped in TLS with a self-signed certificate for the name 'localhost'."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.wrap_tls(context)
    yield server, cert


def test_https_fetch_verifies_the_certificate_against_the_host_name(
    tls_server: tuple[MediaServer, Path], samples: Samples, tmp_path: Path
) -> None:
    server, cert = tls_server
    server.serve_file("/photo.jpg", samples["photo_small.jpg"])
    policy = FetchPolicy(allow_hosts=frozenset({"localhost"}), ca_bundle=str(cert))
    fetched = fetch_material(f"https://localhost:{server.port}/photo.jpg", tmp_path, policy)
    assert fetched.sniffed_mime == "image/jpeg"


def test_https_certificate_for_another_name_is_a_permanent_tls_error(
    tls_server: tuple[MediaServer, Path], samples: Samples, tmp_path: Path
) -> None:
    server, cert = tls_server
    server.serve_file("/photo.jpg", samples["photo_small.jpg"])
    policy = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), ca_bundle=str(cert))
    with pytest.raises(MaterialRejected, match="TLS error") as caught:
        fetch_material(f"https://127.0.0.1:{server.port}/photo.jpg", tmp_path, policy)
    assert caught.value.transient is False
