"""http(s) downloads: the host vetted against SSRF and pinned, every redirect hop vetted again, the body capped, and
the whole download under a watchdog deadline and minimum rate.

Each material host has a circuit breaker (video_assets/resilience), keyed by host and port and shared by every
worker. A download never waits for a host that is down: its own deadline holds, so while the breaker is open a
material from that host is rejected at once (transient, so a later attempt of the step asks again, one probe per
interval for all workers), and the other materials carry on."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from video_assets.media.address_guard import resolve_vetted_address
from video_assets.media.errors import MaterialRejected
from video_assets.media.fetch_policy import FetchPolicy, oversize_reason
from video_assets.media.watchdog import DownloadWatchdog, WatchedAdapter
from video_assets.resilience import BreakerPolicy, VendorDown, VendorGuard, shared_guard

_CHUNK = 64 * 1024
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Three failures in a row from a host (connection refused, timeouts, 5xx) mark it down; one probe every 30 s.
HOST_BREAKER = BreakerPolicy(failure_threshold=3, probe_interval_seconds=30.0)


@dataclass(frozen=True)
class PinnedTarget:
    """A URL whose host was resolved and vetted once, to be fetched from exactly that address."""

    url: str
    host: str
    host_header: str
    tls: bool


def vet_url(url: str, policy: FetchPolicy) -> PinnedTarget:
    """Resolve and vet the host once, so that the connection goes to that exact address and DNS rebinding cannot
    swap it; raises MaterialRejected for anything the policy refuses."""
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
    bracketed = f"[{host}]" if ":" in host else host
    return PinnedTarget(
        url=parts._replace(netloc=f"{literal}:{port}").geturl(),
        host=host,
        host_header=bracketed if parts.port is None else f"{bracketed}:{port}",
        tls=scheme == "https",
    )


def download_http(url: str, dest: Path, policy: FetchPolicy) -> None:
    host = host_key(url)
    try:
        _host_guard(host, policy).call(f"download from {host}", lambda: _download(url, dest, policy), wait=False)
    except VendorDown as error:
        raise MaterialRejected(f"the material host is down: {error}", transient=True) from None


def host_key(url: str) -> str:
    """The breaker's name for the host a URL names: one per host and port."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None  # vet_url refuses it with a reason
    return f"host:{parts.hostname or ''}" + (f":{port}" if port else "")


def _host_guard(host: str, policy: FetchPolicy) -> VendorGuard:
    # A download never waits on the breaker, and a host that is down rejects its material (VendorDown), never the
    # request: no patience runs out.
    return shared_guard(policy.breakers_database_url, host, patience_seconds=math.inf, policy=HOST_BREAKER)


def _download(url: str, dest: Path, policy: FetchPolicy) -> None:
    with DownloadWatchdog(policy.total_timeout, policy.min_bytes_per_second, policy.rate_grace_seconds) as watchdog:
        try:
            _follow_redirects(url, dest, policy, watchdog)
        except Exception as error:
            # Whatever the shut-down socket made the client raise, the watchdog's reason is the real one.
            if watchdog.reason is not None:
                raise MaterialRejected(watchdog.reason, transient=True) from error
            raise
        if watchdog.reason is not None:
            # The shutdown can also look like the end of a body of unknown length: what was read is incomplete.
            raise MaterialRejected(watchdog.reason, transient=True)


def _follow_redirects(url: str, dest: Path, policy: FetchPolicy, watchdog: DownloadWatchdog) -> None:
    for _hop in range(policy.max_redirects + 1):
        response = _request(vet_url(url, policy), policy, watchdog)
        with response:
            if response.status_code in _REDIRECT_CODES and "location" in response.headers:
                # Each hop goes back through scheme and address checks: a public URL may redirect to 169.254.169.254.
                url = urljoin(url, response.headers["location"])
                continue
            _check_status(response)
            _stream_body(response, dest, policy, watchdog)
            return
    raise MaterialRejected(f"too many redirects (more than {policy.max_redirects})")


class _GuardedAdapter(WatchedAdapter):
    """Over TLS it connects to the vetted IP while SNI and the certificate check still use the real host name."""

    def __init__(self, watchdog: DownloadWatchdog, tls_hostname: str | None) -> None:
        self._tls_hostname = tls_hostname
        super().__init__(watchdog)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: object) -> None:
        if self._tls_hostname:
            pool_kwargs.update(server_hostname=self._tls_hostname, assert_hostname=self._tls_hostname)
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


def pinned_session(target: PinnedTarget, watchdog: DownloadWatchdog) -> requests.Session:
    """A session that reaches `target` at its vetted address only, every socket under `watchdog`."""
    session = requests.Session()
    # Proxies from the environment would resolve the name themselves and bypass the address check.
    session.trust_env = False
    adapter = _GuardedAdapter(watchdog, target.host if target.tls else None)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _request(target: PinnedTarget, policy: FetchPolicy, watchdog: DownloadWatchdog) -> requests.Response:
    session = pinned_session(target, watchdog)
    headers = {"Host": target.host_header, "User-Agent": policy.user_agent, "Accept-Encoding": "identity"}
    try:
        return session.get(
            target.url,
            headers=headers,
            stream=True,
            allow_redirects=False,
            timeout=(policy.connect_timeout, policy.read_timeout),
            verify=policy.ca_bundle or True,
        )
    except requests.exceptions.SSLError as error:
        raise MaterialRejected(f"TLS error talking to '{target.host}': {error}") from error
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
        raise MaterialRejected(
            f"could not connect to '{target.host}': {type(error).__name__}", transient=True
        ) from error
    except requests.exceptions.RequestException as error:
        raise MaterialRejected(f"request to '{target.host}' failed: {error}") from error


def _check_status(response: requests.Response) -> None:
    status = response.status_code
    if status == 200:
        return
    transient = status == 429 or status >= 500
    raise MaterialRejected(f"server answered HTTP {status} {response.reason or ''}".rstrip(), transient=transient)


def _stream_body(response: requests.Response, dest: Path, policy: FetchPolicy, watchdog: DownloadWatchdog) -> None:
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > policy.max_bytes:
        raise MaterialRejected(oversize_reason(int(declared), policy))
    written = 0
    try:
        with dest.open("wb") as handle:
            # read1 returns whatever has arrived, so the watchdog's rate rule sees every byte as it comes.
            while chunk := response.raw.read1(_CHUNK, decode_content=True):
                written += len(chunk)
                watchdog.received(written)
                if written > policy.max_bytes:
                    raise MaterialRejected(oversize_reason(written, policy))
                handle.write(chunk)
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.TimeoutError, OSError) as error:
        raise MaterialRejected(f"download interrupted: {type(error).__name__}", transient=True) from error
    except urllib3.exceptions.HTTPError as error:
        raise MaterialRejected(f"download failed: {error}") from error
