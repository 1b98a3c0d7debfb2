"""Content type from the bytes themselves; the file name and the server's Content-Type are never trusted."""

from __future__ import annotations

import codecs
from pathlib import Path

import filetype

from video_assets.media.errors import MaterialRejected

SNIFF_BYTES = 8192

IMAGE_TYPES: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/bmp": "bmp",
    "image/tiff": "tif",
}
VIDEO_TYPES: dict[str, str] = {
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/x-m4v": "m4v",
    "video/webm": "webm",
    "video/x-matroska": "mkv",
    "video/x-msvideo": "avi",
    "video/x-ms-wmv": "wmv",
    "video/x-flv": "flv",
    "video/mpeg": "mpg",
    "video/3gpp": "3gp",
    "video/mp2t": "ts",
}
SUPPORTED_TYPES: dict[str, str] = {**IMAGE_TYPES, **VIDEO_TYPES}

_TS_PACKET = 188


def sniff_bytes(head: bytes) -> str:
    """Best guess of the MIME type of a file from its first bytes; text and unknown binaries get generic types."""
    if not head:
        return "application/x-empty"
    kind = filetype.guess(head)
    if kind is not None:
        # filetype reports APNG separately; it is still a PNG for our decoders.
        return "image/png" if kind.mime == "image/apng" else kind.mime
    if _looks_like_mpeg_ts(head):
        return "video/mp2t"
    return _text_type(head)


def sniff_file(path: Path) -> str:
    with path.open("rb") as handle:
        return sniff_bytes(handle.read(SNIFF_BYTES))


def is_supported(mime: str) -> bool:
    return mime in SUPPORTED_TYPES


def extension_for(mime: str) -> str:
    return SUPPORTED_TYPES.get(mime, "bin")


def _looks_like_mpeg_ts(head: bytes) -> bool:
    # filetype has no MPEG-TS matcher; three sync bytes one packet apart is the usual test.
    return len(head) > 2 * _TS_PACKET and all(head[i * _TS_PACKET] == 0x47 for i in range(3))


def _text_type(head: bytes) -> str:
    sample = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if sample.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in sample[:1024]:
        return "text/html"
    if sample.startswith((b"<?xml", b"<svg")):
        return "image/svg+xml" if b"<svg" in sample[:2048] else "application/xml"
    if sample.startswith((b"{", b"[")):
        return "application/json"
    try:
        # An incremental decoder tolerates a multi-byte character cut at the end of the sniffed window.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


def require_supported(mime: str) -> None:
    """Refuse anything that is not an image or video container we can decode."""
    if mime == "application/x-empty":
        raise MaterialRejected("the file is empty")
    if not is_supported(mime):
        raise MaterialRejected(f"not a supported image or video: detected {mime}")
