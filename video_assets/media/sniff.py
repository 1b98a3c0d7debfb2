"""Content type from the bytes themselves; the file name and the server's Content-Type are never trusted."""

from __future__ import annotations

import codecs
from collections.abc import Mapping
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
AUDIO_TYPES: dict[str, str] = {
    "audio/mpeg": "mp3",
    "audio/x-wav": "wav",
    "audio/ogg": "ogg",
    "audio/x-flac": "flac",
    "audio/aac": "aac",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
}

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


def extension_for(mime: str, accepted: Mapping[str, str] = SUPPORTED_TYPES) -> str:
    return accepted.get(mime, "bin")


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


def require_supported(mime: str, accepted: Mapping[str, str] = SUPPORTED_TYPES) -> None:
    """Refuse anything that is not a container we can decode (images and videos unless told otherwise)."""
    if mime == "application/x-empty":
        raise MaterialRejected("the file is empty")
    if mime not in accepted:
        what = "audio file" if accepted is AUDIO_TYPES else "image or video"
        raise MaterialRejected(f"not a supported {what}: detected {mime}")
