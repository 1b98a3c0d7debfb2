"""Fetch one material into a working directory: http(s) with SSRF protection under a watchdog deadline
(http_download.py), s3:// through an injected reader from allowed sources only, and local files only under
configured roots. Every failure is a MaterialRejected with a readable reason; `fetch_refusal` tells, without fetching,
whether the policy refuses a location outright."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from video_assets.media.errors import MaterialRejected
from video_assets.media.fetch_policy import FetchPolicy, oversize_reason
from video_assets.media.http_download import download_http, vet_url
from video_assets.media.sniff import SUPPORTED_TYPES, extension_for, require_supported, sniff_file

S3Reader = Callable[[str, str, Path, int], None]
"""s3_reader(bucket, key, dest, max_bytes) writes the object to dest; it may raise MaterialRejected itself."""

_CHUNK = 64 * 1024
_TRANSIENT_S3_CODES = frozenset({"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "503", "500"})

Kind = Literal["http", "s3", "local"]


@dataclass(frozen=True)
class FetchedFile:
    path: Path
    size: int
    sha256: str
    sniffed_mime: str


def fetch_material(
    uri: str,
    dest_dir: Path,
    policy: FetchPolicy,
    s3_reader: S3Reader | None = None,
    accepted: Mapping[str, str] = SUPPORTED_TYPES,
) -> FetchedFile:
    """Download `uri` into `dest_dir` as `original.<ext>`, the extension coming from the sniffed content type;
    `accepted` maps the content types allowed (images and videos by default, AUDIO_TYPES for background music)."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    partial = dest_dir / "original.part"
    kind = _kind(uri)
    if kind == "http":
        download_http(uri, partial, policy)
    elif kind == "s3":
        _read_s3(uri, partial, policy, s3_reader)
    else:
        _copy_local(_allowed_local_path(uri, policy), partial, policy)
    return _finish(partial, policy, accepted)


def fetch_refusal(uri: str, policy: FetchPolicy) -> str | None:
    """Why the policy refuses `uri` outright (scheme, SSRF, local roots, S3 sources), or None. Nothing is fetched
    and a missing file is no refusal; neither is trouble that may clear up, such as a DNS outage."""
    try:
        kind = _kind(uri)
        if kind == "http":
            vet_url(uri, policy)
        elif kind == "s3":
            _s3_location(uri, policy)
        else:
            _allowed_local_path(uri, policy)
    except MaterialRejected as error:
        return None if error.transient else error.reason
    return None


def unreadable_local_file(uri: str, policy: FetchPolicy) -> str | None:
    """Why a local file that the policy allows cannot be read now (missing, a folder, no permission), or None.
    URLs and s3:// keys are not looked at, and a location the policy refuses is `fetch_refusal`'s to report."""
    try:
        if _kind(uri) != "local":
            return None
        path = _allowed_local_path(uri, policy)
    except MaterialRejected:
        return None
    if not path.is_file():
        return f"local file not found: {path}" if not path.exists() else f"not a file: {path}"
    try:
        with path.open("rb") as opened:
            opened.read(1)
    except OSError as error:
        return f"local file cannot be read: {path} ({error.strerror})"
    return None


def _kind(uri: str) -> Kind:
    scheme = urlsplit(uri).scheme.lower()
    if scheme in ("http", "https"):
        return "http"
    if scheme == "s3":
        return "s3"
    if scheme in ("", "file") or (len(scheme) == 1 and uri[1:3] in (":\\", ":/")):
        return "local"
    raise MaterialRejected(f"unsupported scheme '{scheme}://' (allowed: http, https, s3, file, or a local path)")


def _finish(partial: Path, policy: FetchPolicy, accepted: Mapping[str, str]) -> FetchedFile:
    size = partial.stat().st_size
    if size == 0:
        raise MaterialRejected("the file is empty")
    if size > policy.max_bytes:
        raise MaterialRejected(oversize_reason(size, policy))
    mime = sniff_file(partial)
    require_supported(mime, accepted)
    final = partial.with_name(f"original.{extension_for(mime, accepted)}")
    partial.replace(final)
    return FetchedFile(path=final, size=size, sha256=_sha256(final), sniffed_mime=mime)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


# --- s3 ----------------------------------------------------------------------------------------------------------


def _s3_location(uri: str, policy: FetchPolicy) -> tuple[str, str]:
    parts = urlsplit(uri)
    bucket, key = parts.netloc, parts.path.lstrip("/")
    if not bucket or not key:
        raise MaterialRejected(f"s3 URI needs a bucket and a key: {uri}")
    reason = policy.s3.refusal(bucket, key)
    if reason is not None:
        raise MaterialRejected(reason)
    return bucket, key


def _read_s3(uri: str, dest: Path, policy: FetchPolicy, s3_reader: S3Reader | None) -> None:
    if s3_reader is None:
        raise MaterialRejected("s3:// materials need an object-store reader, and none is configured")
    bucket, key = _s3_location(uri, policy)
    try:
        s3_reader(bucket, key, dest, policy.max_bytes)
    except MaterialRejected:
        raise
    except Exception as error:  # the reader is third-party code (boto3); classify what it raised, by shape
        response = getattr(error, "response", None)
        code = str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""
        transient = code in _TRANSIENT_S3_CODES or (not code and isinstance(error, (OSError, TimeoutError)))
        detail = code or type(error).__name__
        raise MaterialRejected(f"could not read s3://{bucket}/{key}: {detail}: {error}", transient=transient) from error
    if not dest.exists():
        raise MaterialRejected(f"could not read s3://{bucket}/{key}: the reader wrote no file")


# --- local files -------------------------------------------------------------------------------------------------


def _allowed_local_path(uri: str, policy: FetchPolicy) -> Path:
    """The resolved path of a local material, refused unless it lies under a local root."""
    if urlsplit(uri).scheme.lower() == "file":
        parts = urlsplit(uri)
        if parts.netloc not in ("", "localhost"):
            raise MaterialRejected(f"file:// URLs must not name a remote host ('{parts.netloc}')")
        path = Path(unquote(parts.path))
    else:
        path = Path(uri)
    if not policy.local_roots:
        raise MaterialRejected("local files are not allowed (no local roots are configured)")
    if not path.is_absolute():
        raise MaterialRejected(f"local path must be absolute: {path}")
    # Resolving first follows symlinks, so a link inside a root that points outside it is refused too.
    resolved = path.resolve()
    if not any(resolved.is_relative_to(root.resolve()) for root in policy.local_roots):
        raise MaterialRejected(f"local path {path} is outside the allowed local roots")
    return resolved


def _copy_local(resolved: Path, dest: Path, policy: FetchPolicy) -> None:
    if not resolved.is_file():
        raise MaterialRejected(f"local file not found: {resolved}")
    size = resolved.stat().st_size
    if size > policy.max_bytes:
        raise MaterialRejected(oversize_reason(size, policy))
    with resolved.open("rb") as source, dest.open("wb") as target:
        shutil.copyfileobj(source, target, _CHUNK)
