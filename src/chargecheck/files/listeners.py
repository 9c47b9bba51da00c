"""The listening sockets of one file server: every address the bench listens on, one port.

A station is handed a URL whose host is the address it reached the Central System at
(``addresses.url_host_for``), so each file server must listen wherever the Central
System does. ``host`` is resolved the way asyncio's ``create_server`` resolves it
(``getaddrinfo`` with ``AI_PASSIVE``): ``""`` gives both wildcards, a name with an IPv4
and an IPv6 address (``localhost`` on many systems) gives both; every one is bound.
The URL carries one port, so every socket of a server gets the same one; with port 0
the kernel picks it for the first address and the others follow (picked again, a few
times, when another program holds it on one of them).
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from chargecheck.files.addresses import listen_v6only

_PORT_ATTEMPTS = 8

Address = tuple[socket.AddressFamily, tuple[Any, ...]]  # family, sockaddr


def resolve(host: str) -> list[Address]:
    """Every (family, sockaddr) binding ``host`` means, in resolver order, once each.

    Raises ``socket.gaierror`` (an ``OSError``) for a name that does not resolve."""
    found: list[Address] = []
    for family, _, _, _, sockaddr in socket.getaddrinfo(
        host or None, 0, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
    ):
        if family in (socket.AF_INET, socket.AF_INET6) and all(
            sockaddr[0] != seen[0] for _, seen in found
        ):
            found.append((family, sockaddr))
    return found


def open_listeners(host: str, port: int) -> list[socket.socket]:
    """Bound sockets (not yet listening) for every address of ``host``, on one port.

    Raises ``OSError`` when an address cannot be bound; no socket is left open then."""
    addresses = resolve(host)
    if not addresses:
        raise OSError(errno.EADDRNOTAVAIL, f"{host!r} resolves to no IPv4 or IPv6 address")
    for _ in range(_PORT_ATTEMPTS):
        sockets: list[socket.socket] = []
        try:
            chosen = port
            for family, sockaddr in addresses:
                sockets.append(_bound(family, sockaddr, chosen, addresses))
                chosen = sockets[0].getsockname()[1]
            return sockets
        except OSError as exc:
            picked_but_busy = not port and bool(sockets) and exc.errno == errno.EADDRINUSE
            _close(sockets)
            if not picked_but_busy:  # else: the kernel's pick for the first is busy on another
                raise
    raise OSError(errno.EADDRINUSE, f"no port free on every address of {host!r}")


def _bound(
    family: socket.AddressFamily,
    sockaddr: tuple[Any, ...],
    port: int,
    addresses: Sequence[Address],
) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if os.name == "posix":  # as asyncio and socketserver do: no wait after TIME_WAIT
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            v6only = listen_v6only(sockaddr[0], [a[0] for _, a in addresses])
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, int(v6only))
        sock.bind((sockaddr[0], port, *sockaddr[2:]))
    except OSError:
        sock.close()
        raise
    return sock


def _close(sockets: Sequence[socket.socket]) -> None:
    for sock in sockets:
        with suppress(OSError):
            sock.close()
