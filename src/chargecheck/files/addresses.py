"""Where a station reaches the file servers: pure decisions over addresses.

The locations handed to a station (UpdateFirmware.req, OCPP 1.6 section 5.16;
GetDiagnostics.req, section 5.9) are URLs, and their host must be an address the
station can reach. Which one is decided here, by ``url_host_for``, in this order:

1. the operator's ``--public-host`` (a NAT in between, a DNS name): their word;
2. the local address of the station's own WebSocket connection, the address it
   reached the Central System at: on a machine with several interfaces, the one
   this station can reach;
3. the address the servers bind, when it names one (not a wildcard).

``listen_v6only`` decides how the servers' IPv6 sockets take IPv4. Nothing here
touches a socket or resolves a name; ``listeners`` does.
"""

from __future__ import annotations

from collections.abc import Collection
from ipaddress import IPv4Address, ip_address

IPV4_ANY = "0.0.0.0"
IPV6_ANY = "::"
_WILDCARD_HOSTS = frozenset({"", IPV4_ANY, IPV6_ANY})


def is_wildcard(host: str) -> bool:
    """Whether binding ``host`` listens on every interface (so it names no address)."""
    return host in _WILDCARD_HOSTS


def url_host(host: str) -> str:
    """``host`` as written in a URL's authority (RFC 3986 section 3.2.2).

    An IPv6 literal goes in brackets, its zone (``fe80::1%eth0``) written ``%25eth0``
    (RFC 6874 section 2). An IPv4-mapped IPv6 address (``::ffff:127.0.0.1``, RFC 4291
    section 2.5.5.2: how a dual-stack socket names an IPv4 peer or local end) is
    written as the IPv4 address it maps, which any station can connect to. Names,
    IPv4 literals and hosts already in brackets are written as they are.
    """
    if host.startswith("["):
        return host
    try:
        address = ip_address(host)
    except ValueError:
        return host  # a name: the operator's, written as given
    if isinstance(address, IPv4Address):
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    literal, _, zone = str(address).partition("%")
    return f"[{literal}%25{zone}]" if zone else f"[{literal}]"


def url_host_for(public_host: str | None, local_host: str | None, bound_host: str) -> str | None:
    """The host written into a station's URLs (see the module docstring), or None
    when nothing names one: no ``public_host``, the station never connected, and the
    servers listen on every interface."""
    if public_host:
        return url_host(public_host)
    if local_host:
        return url_host(local_host)
    if not is_wildcard(bound_host):
        return url_host(bound_host)
    return None


def listen_v6only(address: str, addresses: Collection[str]) -> bool:
    """IPV6_V6ONLY for a listening socket bound to the IPv6 ``address``.

    The IPv6 wildcard also takes IPv4 (dual stack), so a station whose local address
    was IPv4-mapped, and is written as the IPv4 address, reaches the files there; unless
    the IPv4 wildcard is bound too (``""`` binds both, as asyncio does), which would
    take the same port twice. Any other IPv6 address takes no IPv4 either way.
    """
    return not (address == IPV6_ANY and IPV4_ANY not in addresses)
