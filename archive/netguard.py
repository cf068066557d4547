"""Keeping the crawler off the machine it runs on.

A hostile page can link or redirect to ``http://127.0.0.1:6379/`` or to a cloud metadata
service (``169.254.169.254``). Unless the configuration allows private addresses (local test
sites do, production does not), every request -- including each hop of a redirect -- is checked
after DNS resolution, and refused if any address the name resolves to is loopback, private,
link-local, multicast, reserved or unspecified.

Limit: the check resolves the name itself; a DNS server that answers differently a moment
later (rebinding) could still steer the download. Run the crawler where outbound firewall rules
back this up if that threat matters.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from urllib.parse import urlsplit


def address_problem(address: str) -> str | None:
    """Why an IP address must not be fetched, or None if it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for label, flag in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    ):
        if flag:
            return f"{ip} is a {label} address"
    return None


@lru_cache(maxsize=4096)
def _resolve(host: str) -> tuple[str, ...]:
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return tuple(sorted({info[4][0] for info in infos}))


def url_problem(url: str, allowlist: frozenset[str] = frozenset()) -> str | None:
    """Why ``url`` must not be fetched when private addresses are not allowed, or None.

    ``allowlist`` holds ``host:port`` pairs that are fetched whatever they resolve to.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme!r} is not fetched"
    host = parts.hostname
    if not host:
        return "no host name"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "invalid port"
    if f"{host}:{port}" in allowlist:
        return None
    try:
        addresses = _resolve(host)
    except (socket.gaierror, UnicodeError) as exc:
        return f"cannot resolve {host}: {exc}"
    for address in addresses:
        if (problem := address_problem(address)) is not None:
            return f"{host} resolves to {problem}"
    return None
