"""Where a vendor's result may come from: only over http(s), from the vendor's own hosts or our object store.

A vendor answer is untrusted input. Fetched through the material fetcher as it is, a `file://` URL inside the local
roots (or any other host the fetch policy allows for materials) would be imported as the finished video.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from video_assets.storage import ObjectStore, request_key

ALLOWED_SCHEMES = ("http", "https")


class UntrustedResultUrl(ValueError):
    """Permanent: the vendor named a result we will not fetch; the job fails with this reason."""


def result_hosts(vendor_urls: tuple[str, ...], store: ObjectStore) -> frozenset[str]:
    """Host names a result may be fetched from: every configured vendor URL's host and the store's URL host."""
    store_url = store.url(request_key("probe", "tmp", "result-origin"))
    return frozenset(host for host in (_host(url) for url in (*vendor_urls, store_url)) if host)


def require_trusted_result(url: str, hosts: frozenset[str], what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise UntrustedResultUrl(f"the vendor's {what} {url[:200]!r} is not an http(s) URL; refused")
    if _host(url) not in hosts:
        raise UntrustedResultUrl(
            f"the vendor's {what} is on host {parts.hostname!r}, which is neither the vendor's "
            f"({', '.join(sorted(hosts))}) nor the object store; refused"
        )


def _host(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not parts.hostname:
        return None
    return parts.hostname.lower()
