"""The file servers' listening sockets: every address of the bench's host, one port.

Real sockets; only loopback is ever connected to (the wildcards are bound, never
reached at another address)."""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from chargecheck.files import listeners
from chargecheck.files.listeners import open_listeners
from tests.conftest import UNIT
from tests.files.conftest import needs_ipv6


@contextmanager
def listening(host: str, port: int = 0) -> Iterator[list[socket.socket]]:
    sockets = open_listeners(host, port)
    try:
        for sock in sockets:
            sock.listen()
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def reaches(address: str, port: int) -> bool:
    """A TCP connection to ``address`` (a loopback) is accepted."""
    try:
        socket.create_connection((address, port), timeout=10 * UNIT).close()
    except OSError:
        return False
    return True


def resolve_name_to(monkeypatch, infos: list[tuple]) -> str:
    """Make the name ``bench.test`` resolve to ``infos``; every other host as before."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        return infos if host == "bench.test" else real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return "bench.test"


def v6only(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))


def test_one_address_gets_one_socket_on_the_port_the_kernel_picked():
    with listening("127.0.0.1") as sockets:
        (sock,) = sockets
        address, port = sock.getsockname()
        assert address == "127.0.0.1" and port > 0
        assert reaches("127.0.0.1", port)


def test_the_ipv4_wildcard_is_reached_on_the_ipv4_loopback():
    with listening("0.0.0.0") as sockets:
        (sock,) = sockets
        assert sock.family == socket.AF_INET
        assert reaches("127.0.0.1", sock.getsockname()[1])


@needs_ipv6
def test_the_ipv6_wildcard_alone_is_reached_on_both_loopbacks():
    with listening("::") as sockets:
        (sock,) = sockets
        assert not v6only(sock)
        port = sock.getsockname()[1]
        assert reaches("::1", port) and reaches("127.0.0.1", port)


@needs_ipv6
def test_the_empty_host_binds_both_wildcards_on_one_port_as_asyncio_does():
    with listening("") as sockets:
        assert sorted(s.getsockname()[0] for s in sockets) == ["0.0.0.0", "::"]
        ports = {s.getsockname()[1] for s in sockets}
        assert len(ports) == 1
        (six,) = [s for s in sockets if s.family == socket.AF_INET6]
        assert v6only(six)  # the IPv4 wildcard has IPv4
        (port,) = ports
        assert reaches("::1", port) and reaches("127.0.0.1", port)


@needs_ipv6
def test_a_name_with_both_loopbacks_gets_both_on_one_port(monkeypatch):
    both = [
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", 0, 0, 0)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0)),  # a duplicate
    ]
    with listening(resolve_name_to(monkeypatch, both)) as sockets:
        assert [s.getsockname()[0] for s in sockets] == ["::1", "127.0.0.1"]
        (port,) = {s.getsockname()[1] for s in sockets}
        assert reaches("::1", port) and reaches("127.0.0.1", port)


@needs_ipv6
def test_a_picked_port_busy_on_another_address_is_picked_again(monkeypatch):
    both = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0)),
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", 0, 0, 0)),
    ]
    name = resolve_name_to(monkeypatch, both)
    bound = listeners._bound
    refused: list[int] = []

    def busy_once(family, sockaddr, port, addresses):
        if family == socket.AF_INET6 and not refused:
            refused.append(port)
            raise OSError(errno.EADDRINUSE, "Address already in use")
        return bound(family, sockaddr, port, addresses)

    monkeypatch.setattr(listeners, "_bound", busy_once)
    with listening(name) as sockets:
        assert len(sockets) == 2 and len({s.getsockname()[1] for s in sockets}) == 1
        assert refused
    with socket.socket() as probe:  # the first pick's socket was not left open
        probe.bind(("127.0.0.1", refused[0]))


def test_a_busy_fixed_port_is_an_error_and_leaves_nothing_bound():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError) as raised:
            open_listeners("127.0.0.1", port)
        assert raised.value.errno == errno.EADDRINUSE


def test_a_host_with_no_ipv4_or_ipv6_address_is_an_error(monkeypatch):
    with pytest.raises(OSError, match="no IPv4 or IPv6 address"):
        open_listeners(resolve_name_to(monkeypatch, []), 0)
