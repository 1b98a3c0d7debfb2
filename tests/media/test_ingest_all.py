from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.fixtures.media import MediaServer, Samples
from video_assets.media import IngestPolicy, MaterialSource, ingest_all


def source(uri: str) -> MaterialSource:
    return MaterialSource(uri=uri, description=None, context="", origin="markdown")


def test_bad_materials_are_rejected_with_reasons_while_the_rest_of_the_batch_succeeds(
    server: MediaServer, samples: Samples, policy: IngestPolicy, tmp_path: Path
) -> None:
    def oversized(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(3 * 1024 * 1024))
        handler.end_headers()

    batch = [
        (server.serve_file("/a", samples["photo_small.jpg"]), "ready"),
        (server.serve_file("/b", samples["portrait.mp4"]), "ready"),
        (server.status("/c", 404), "HTTP 404"),
        (server.serve_file("/d.jpg", samples["page.jpg"]), "detected text/html"),
        (server.serve_file("/e.jpg", samples["empty.jpg"]), "the file is empty"),
        (str(samples["truncated.mp4"]), "moov atom not found"),
        (server.serve_file("/f.png", samples["bomb.png"]), "decompression bomb"),
        (server.route("/g.mp4", oversized), "larger than the 2 MB limit"),
        (server.redirect("/h", "http://10.1.2.3/x.jpg"), "private address 10.1.2.3"),
        ("http://169.254.169.254/latest/meta-data/", "link-local address"),
        ("/etc/hosts", "outside the allowed local roots"),
        (server.serve_file("/i", samples["vp9.webm"]), "ready"),
        (str(samples["photo_exif6.jpg"]), "ready"),
        (str(samples["animated.gif"]), "ready"),
        ("s3://media/clip.mp4", "need an object-store reader"),
        (server.status("/j", 503), "HTTP 503"),
    ]
    outcomes = ingest_all([source(uri) for uri, _ in batch], tmp_path, policy, max_workers=3)

    assert [outcome.index for outcome in outcomes] == list(range(len(batch)))
    assert [outcome.source.uri for outcome in outcomes] == [uri for uri, _ in batch]
    for outcome, (uri, expected) in zip(outcomes, batch, strict=True):
        if expected == "ready":
            assert outcome.status == "ready", f"{uri}: {outcome.reason}"
            assert outcome.material is not None and outcome.material.thumbnail.is_file()
            assert all(frame.is_file() for frame in outcome.material.keyframes)
        else:
            assert outcome.status == "rejected" and outcome.material is None
            assert outcome.reason is not None and expected in outcome.reason, f"{uri}: {outcome.reason}"
            assert outcome.transient is (expected == "HTTP 503")
            assert not (tmp_path / f"{outcome.index:03d}").exists()


def test_each_material_gets_its_own_working_directory(samples: Samples, policy: IngestPolicy, tmp_path: Path) -> None:
    sources = [source(str(samples["photo_small.jpg"])), source(str(samples["landscape.mp4"]))]
    photo, video = ingest_all(sources, tmp_path, policy, max_workers=2)
    assert photo.material is not None and video.material is not None
    assert photo.material.media_path.parent == tmp_path / "000"
    assert video.material.media_path.parent == tmp_path / "001"
    assert photo.material.sha256 != video.material.sha256
    assert photo.material.original_size == samples["photo_small.jpg"].stat().st_size


def test_empty_batch_gives_no_outcomes(policy: IngestPolicy, tmp_path: Path) -> None:
    assert ingest_all([], tmp_path, policy) == []
