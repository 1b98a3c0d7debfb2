"""Fetch one material into a working directory: http(s) with SSRF protection, s3:// through an injected reader,
and local files only under configured roots. Every failure is a MaterialRejected with a readable reason."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from video_assets.media.address_guard import resolve_vetted_address
from video_assets.media.errors import MaterialRejected
from video_assets.media.sniff import SUPPORTED_TYPES, extension_for, require_supported, sniff_file

S3Reader = Callable[[str, str, Path, int], None]
"""s3_reader(bucket, key, dest, max_bytes) writes the object to dest; it may raise MaterialRejected itself."""

_CHUNK = 64 * 1024
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_TRANSIENT_S3_CODES = frozenset({"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "503", "500"})


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int = 50 * 1024 * 1024
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    # A server dripping one byte per read_timeout would otherwise hold a worker for hours.
    total_timeout: float = 300.0
    max_redirects: int = 3
    allow_hosts: frozenset[str] = frozenset()
    local_roots: tuple[Path, ...] = ()
    user_agent: str = "video-assets-ingest/0.1"
    ca_bundle: str | None = None

    def __post_init__(self) -> None:
        normalised = frozenset(host.strip().strip("[]").lower().rstrip(".") for host in self.allow_hosts)
        object.__setattr__(self, "allow_hosts", normalised)


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
    scheme = urlsplit(uri).scheme.lower()
    if scheme in ("http", "https"):
        _download_http(uri, partial, policy)
    elif scheme == "s3":
        _read_s3(uri, partial, policy, s3_reader)
    elif scheme == "file":
        _copy_local(_file_url_path(uri), partial, policy)
    elif scheme == "" or (len(scheme) == 1 and uri[1:3] in (":\\", ":/")):
        _copy_local(Path(uri), partial, policy)
    else:
        raise MaterialRejected(f"unsupported scheme '{scheme}://' (allowed: http, https, s3, file, or a local path)")
    return _finish(partial, policy, accepted)


def _finish(partial: Path, policy: FetchPolicy, accepted: Mapping[str, str]) -> FetchedFile:
    size = partial.stat().st_size
    if size == 0:
        raise MaterialRejected("the file is empty")
    if size > policy.max_bytes:
        raise MaterialRejected(_oversize_reason(size, policy))
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


def _oversize_reason(size: int, policy: FetchPolicy) -> str:
    return f"the file is larger than the {policy.max_bytes / 1024 / 1024:g} MB limit ({size} bytes or more)"


# --- http(s) -----------------------------------------------------------------------------------------------------


class _PinnedHostTLSAdapter(HTTPAdapter):
    """Connects to a vetted IP while TLS still sends SNI for, and verifies the certificate against, the real host."""

    def __init__(self, hostname: str) -> None:
        self._hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: object) -> None:
        pool_kwargs.update(server_hostname=self._hostname, assert_hostname=self._hostname)
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


def _download_http(url: str, dest: Path, policy: FetchPolicy) -> None:
    deadline = time.monotonic() + policy.total_timeout
    for _hop in range(policy.max_redirects + 1):
        response = _request_pinned(url, policy)
        with response:
            if response.status_code in _REDIRECT_CODES and "location" in response.headers:
                # Each hop goes back through scheme and address checks: a public URL may redirect to 169.254.169.254.
                url = urljoin(url, response.headers["location"])
                continue
            _check_status(response)
            _stream_body(response, dest, policy, deadline)
            return
    raise MaterialRejected(f"too many redirects (more than {policy.max_redirects})")


def _request_pinned(url: str, policy: FetchPolicy) -> requests.Response:
    """Resolve and vet the host once, then connect to that exact address so DNS rebinding cannot swap it."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise MaterialRejected(f"refused redirect to unsupported scheme '{scheme}://'")
    if parts.username or parts.password:
        raise MaterialRejected("URLs with embedded credentials are not supported")
    host = parts.hostname
    if not host:
        raise MaterialRejected(f"URL has no host: {url}")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as error:
        raise MaterialRejected(f"URL has an invalid port: {url}") from error
    address = resolve_vetted_address(host, port, policy.allow_hosts)
    literal = f"[{address}]" if ":" in address else address
    pinned_url = parts._replace(netloc=f"{literal}:{port}").geturl()
    bracketed = f"[{host}]" if ":" in host else host
    host_header = bracketed if parts.port is None else f"{bracketed}:{port}"
    session = requests.Session()
    # Proxies from the environment would resolve the name themselves and bypass the address check.
    session.trust_env = False
    if scheme == "https":
        session.mount("https://", _PinnedHostTLSAdapter(host))
    headers = {"Host": host_header, "User-Agent": policy.user_agent, "Accept-Encoding": "identity"}
    try:
        return session.get(
            pinned_url,
            headers=headers,
            stream=True,
            allow_redirects=False,
            timeout=(policy.connect_timeout, policy.read_timeout),
            verify=policy.ca_bundle or True,
        )
    except requests.exceptions.SSLError as error:
        raise MaterialRejected(f"TLS error talking to '{host}': {error}") from error
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
        raise MaterialRejected(f"could not connect to '{host}': {type(error).__name__}", transient=True) from error
    except requests.exceptions.RequestException as error:
        raise MaterialRejected(f"request to '{host}' failed: {error}") from error


def _check_status(response: requests.Response) -> None:
    status = response.status_code
    if status == 200:
        return
    transient = status == 429 or status >= 500
    raise MaterialRejected(f"server answered HTTP {status} {response.reason or ''}".rstrip(), transient=transient)


def _stream_body(response: requests.Response, dest: Path, policy: FetchPolicy, deadline: float) -> None:
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > policy.max_bytes:
        raise MaterialRejected(_oversize_reason(int(declared), policy))
    written = 0
    try:
        with dest.open("wb") as handle:
            for chunk in response.iter_content(chunk_size=_CHUNK):
                written += len(chunk)
                if written > policy.max_bytes:
                    raise MaterialRejected(_oversize_reason(written, policy))
                if time.monotonic() > deadline:
                    raise MaterialRejected(f"download took longer than {policy.total_timeout:g} s", transient=True)
                handle.write(chunk)
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
        raise MaterialRejected(f"download interrupted: {type(error).__name__}", transient=True) from error
    except requests.exceptions.RequestException as error:
        raise MaterialRejected(f"download failed: {error}") from error


# --- s3 ----------------------------------------------------------------------------------------------------------


def _read_s3(uri: str, dest: Path, policy: FetchPolicy, s3_reader: S3Reader | None) -> None:
    if s3_reader is None:
        raise MaterialRejected("s3:// materials need an object-store reader, and none is configured")
    parts = urlsplit(uri)
    bucket, key = parts.netloc, parts.path.lstrip("/")
    if not bucket or not key:
        raise MaterialRejected(f"s3 URI needs a bucket and a key: {uri}")
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


def _file_url_path(uri: str) -> Path:
    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost"):
        raise MaterialRejected(f"file:// URLs must not name a remote host ('{parts.netloc}')")
    return Path(unquote(parts.path))


def _copy_local(path: Path, dest: Path, policy: FetchPolicy) -> None:
    if not policy.local_roots:
        raise MaterialRejected("local files are not allowed (no local roots are configured)")
    if not path.is_absolute():
        raise MaterialRejected(f"local path must be absolute: {path}")
    # Resolving first follows symlinks, so a link inside a root that points outside it is refused too.
    resolved = path.resolve()
    if not any(resolved.is_relative_to(root.resolve()) for root in policy.local_roots):
        raise MaterialRejected(f"local path {path} is outside the allowed local roots")
    if not resolved.is_file():
        raise MaterialRejected(f"local file not found: {path}")
    size = resolved.stat().st_size
    if size > policy.max_bytes:
        raise MaterialRejected(_oversize_reason(size, policy))
    with resolved.open("rb") as source, dest.open("wb") as target:
        shutil.copyfileobj(source, target, _CHUNK)
