"""Inline previews for asset metadata: small JPEG `data:` URIs that never expire, capped per table."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from PIL import Image

from tests.media_samples import photo
from video_assets.assets.tables import InlineImages
from video_assets.render.preview import PREVIEW_LONG_SIDE, PreviewError, preview_data_uri
from video_assets.safe_markdown import escape
from video_assets.storage import LocalObjectStore

PREFIX = "data:image/jpeg;base64,"


def decoded(uri: str) -> Image.Image:
    assert uri.startswith(PREFIX)
    return Image.open(io.BytesIO(base64.b64decode(uri.removeprefix(PREFIX))))


def test_a_photo_becomes_a_jpeg_data_uri_of_a_few_kilobytes_at_most_160_px(tmp_path: Path) -> None:
    uri = preview_data_uri(photo("astronaut", tmp_path / "astronaut.jpg").read_bytes())

    image = decoded(uri)
    assert image.format == "JPEG" and max(image.size) == PREVIEW_LONG_SIDE
    assert len(uri) < 10_000


def test_an_exif_rotated_photo_is_previewed_upright(tmp_path: Path) -> None:
    source = photo("coffee", tmp_path / "coffee.jpg", size=(300, 200), exif_orientation=6)

    assert decoded(preview_data_uri(source.read_bytes())).size == (107, 160)


def test_a_transparent_png_is_previewed_on_white() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 20), (255, 0, 0, 0)).save(buffer, format="PNG")

    image = decoded(preview_data_uri(buffer.getvalue())).convert("RGB")
    assert min(image.getpixel((20, 10))) > 240


def test_bytes_that_are_no_image_raise_a_preview_error() -> None:
    with pytest.raises(PreviewError, match="cannot read image"):
        preview_data_uri(b"<html>not a picture</html>")


def test_a_table_inlines_up_to_its_cap_and_explains_every_cell_without_an_image(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    source = photo("rocket", tmp_path / "rocket.jpg")
    for name in ("a", "b", "c"):
        store.put_file(f"requests/r1/media_items/{name}/thumbnail.jpg", source)
    store.put_bytes("requests/r1/media_items/d/thumbnail.jpg", b"truncated")
    previews = InlineImages(store, limit=2)

    cells = [previews.cell(f"requests/r1/media_items/{name}/thumbnail.jpg", f"#{name}") for name in "abc"]

    assert cells[0].startswith(f"![{escape('#a')}]({PREFIX}") and cells[1].startswith(f"![{escape('#b')}]({PREFIX}")
    assert cells[2] == "(first 2 previews shown)"
    assert previews.cell(None, "#e") == "-"
    assert InlineImages(store).cell("requests/r1/media_items/d/thumbnail.jpg", "#d").startswith("no preview:")
    assert InlineImages(store).cell("requests/r1/media_items/missing.jpg", "#m").startswith("no preview: no object")
