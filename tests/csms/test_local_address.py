"""A session knows where its station reached the bench: the local address of the
station's WebSocket connection, which the URLs handed to that station name. Real
sockets, loopback only."""

from __future__ import annotations

import socket

import pytest
from websockets.asyncio.client import ClientConnection, connect

from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.files.addresses import url_host
from tests.conftest import UNIT
from tests.files.conftest import needs_ipv6


async def station_at(address: str, port: int, identity: str = "CP1") -> ClientConnection:
    url = f"ws://{url_host(address)}:{port}/ocpp/{identity}"
    return await connect(url, subprotocols=["ocpp1.6"])  # type: ignore[list-item]


def port_of(cs: CentralSystem, family: socket.AddressFamily) -> int:
    """The port the Central System listens on for ``family`` (``""`` binds each apart)."""
    assert cs._server is not None
    (port,) = {s.getsockname()[1] for s in cs._server.sockets if s.family == family}
    return int(port)


@pytest.mark.parametrize(
    ("bench_host", "station_address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("0.0.0.0", "127.0.0.1"),
        pytest.param("::", "::1", marks=needs_ipv6),
        pytest.param("::1", "::1", marks=needs_ipv6),
    ],
)
async def test_the_session_knows_the_address_its_station_reached_and_keeps_it_while_away(
    journal, bench_host, station_address
):
    settings = ServerSettings(host=bench_host, port=0, ping_interval=None)
    async with CentralSystem(journal, settings) as cs:
        assert cs.session("CP1").local_address is None  # not connected yet
        station = await station_at(station_address, cs.port)
        session = await cs.wait_for_station("CP1", 10 * UNIT)
        assert session.local_address == (station_address, cs.port)
        await station.close()
        await session.wait_disconnected(10 * UNIT)
        assert session.local_address == (station_address, cs.port)


@needs_ipv6
async def test_a_station_that_comes_back_on_another_address_is_known_there(journal):
    settings = ServerSettings(host="", port=0, ping_interval=None)  # both wildcards
    async with CentralSystem(journal, settings) as cs:
        four, six = port_of(cs, socket.AF_INET), port_of(cs, socket.AF_INET6)
        station = await station_at("127.0.0.1", four)
        session = await cs.wait_for_station("CP1", 10 * UNIT)
        assert session.local_address == ("127.0.0.1", four)
        await station.close()
        await session.wait_disconnected(10 * UNIT)
        station = await station_at("::1", six)
        await session.wait_connected(10 * UNIT)
        assert session.local_address == ("::1", six)
        await station.close()
