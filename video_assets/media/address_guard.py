"""SSRF guard: resolve a host once, refuse non-public addresses unless the host is allow-listed."""

from __future__ import annotations

import ipaddress
import socket

from video_assets.media.errors import MaterialRejected

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def non_public_reason(address: IPAddress) -> str | None:
    """Why an address must not be fetched from, or None when it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4-mapped (::ffff:a.b.c.d) or 6to4/NAT64-embedded address reaches the IPv4 host it wraps.
        if address.ipv4_mapped is not None:
            return non_public_reason(address.ipv4_mapped)
        if address.sixtofour is not None:
            return non_public_reason(address.sixtofour)
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not globally routable", not address.is_global),
    )
    return next((label for label, hit in checks if hit), None)


def resolve_vetted_address(host: str, port: int, allow_hosts: frozenset[str]) -> str:
    """Resolve `host` and return one address to connect to, refusing the host if any address is non-public.

    Refusing on *any* bad address (not just the first) stops a name that mixes public and private records from
    being used to reach the private one.
    """
    host = host.strip("[]").lower().rstrip(".")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        transient = error.errno in (socket.EAI_AGAIN, getattr(socket, "EAI_SYSTEM", None))
        raise MaterialRejected(f"cannot resolve host '{host}': {error.strerror}", transient=transient) from error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise MaterialRejected(f"host '{host}' has no address")
    if host not in allow_hosts:
        for address in addresses:
            reason = non_public_reason(address)
            if reason is not None:
                raise MaterialRejected(
                    f"refused to fetch from '{host}': it resolves to {reason} address {address} (SSRF protection)"
                )
    # IPv4 first: container networks often resolve AAAA records they cannot route.
    return str(min(addresses, key=lambda address: address.version))
