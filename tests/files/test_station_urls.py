"""The URLs handed to a station name the address it reached the bench at, and work there.

The bench on every IPv4 interface with a station on 127.0.0.1; on every IPv6 interface
with a station on ::1; ``public_host`` over both; a station that comes back on the other
loopback is told the new address. Real sockets: a Central System, the file servers and
the station's own transfer code (the simulator's), loopback only.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from websockets.asyncio.client import ClientConnection, connect

from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.files import FileServiceError, FileServices, StationFiles, firmware_version
from chargecheck.files.addresses import url_host
from chargecheck.journal import Journal
from chargecheck.sim.transfers import download, upload
from tests.conftest import UNIT
from tests.files.conftest import needs_ipv6

VERSION = "4.4.1-3200"


@asynccontextmanager
async def bench(
    root: Path, journal: Journal, host: str, public_host: str | None = None
) -> AsyncIterator[tuple[CentralSystem, FileServices]]:
    """The Central System and the file services on ``host``, as ``chargecheck run`` has them."""
    files = FileServices(
        root / "runs", host=host, public_host=public_host, eof_grace=UNIT / 4, login_fail_delay=0
    )
    async with files:
        settings = ServerSettings(host=host, port=0, ping_interval=None)
        async with CentralSystem(journal, settings) as cs:
            cs.run_id = journal.start_run("test")
            yield cs, files


async def station_at(address: str, port: int) -> ClientConnection:
    url = f"ws://{url_host(address)}:{port}/ocpp/CP1"
    return await connect(url, subprotocols=["ocpp1.6"])  # type: ignore[list-item]


def hosts_in(station: StationFiles, firmware: str) -> set[str]:
    """The host:port of every URL the station can be handed."""
    urls = [
        station.ftp_url,
        station.http_url,
        station.firmware_url(firmware),
        station.firmware_url(firmware, "ftp"),
    ]
    return {urlsplit(url).netloc.rpartition("@")[2].rpartition(":")[0] for url in urls}


async def transfers_work(station: StationFiles, firmware: str, upload_name: str) -> None:
    """The station fetches the firmware over HTTP and FTP and uploads diagnostics, each
    from the URL it was handed."""
    for scheme in ("http", "ftp"):
        data = await asyncio.to_thread(download, station.firmware_url(firmware, scheme), 10 * UNIT)
        assert firmware_version(data) == VERSION
    await asyncio.to_thread(upload, station.ftp_url, upload_name, b"diagnostics", 10 * UNIT)
    uploaded = await station.wait_for_upload(10 * UNIT, upload_name)
    assert uploaded.size == len(b"diagnostics")


@pytest.mark.parametrize(
    ("bench_host", "station_address", "written"),
    [
        ("0.0.0.0", "127.0.0.1", "127.0.0.1"),
        pytest.param("::", "::1", "[::1]", marks=needs_ipv6),
    ],
)
async def test_a_station_gets_urls_naming_the_address_it_reached_and_they_work(
    tmp_path, journal, bench_host, station_address, written
):
    async with bench(tmp_path, journal, bench_host) as (cs, files):
        ws = await station_at(station_address, cs.port)
        station = files.for_station(await cs.wait_for_station("CP1", 10 * UNIT))
        firmware = files.make_firmware(VERSION)
        assert hosts_in(station, firmware) == {written}
        assert station.url_host == written
        await transfers_work(station, firmware, "diag.zip")
        await ws.close()


@pytest.mark.parametrize(
    ("bench_host", "station_address"),
    [("0.0.0.0", "127.0.0.1"), pytest.param("::", "::1", marks=needs_ipv6)],
)
async def test_public_host_overrides_the_address_the_station_reached(
    tmp_path, journal, bench_host, station_address
):
    async with bench(tmp_path, journal, bench_host, public_host="bench.example") as (cs, files):
        ws = await station_at(station_address, cs.port)
        station = files.for_station(await cs.wait_for_station("CP1", 10 * UNIT))
        assert hosts_in(station, files.make_firmware(VERSION)) == {"bench.example"}
        await ws.close()


@needs_ipv6
async def test_a_public_host_the_servers_listen_on_works_for_a_station_on_the_other_loopback(
    tmp_path, journal
):
    async with bench(tmp_path, journal, "::", public_host="127.0.0.1") as (cs, files):
        ws = await station_at("::1", cs.port)
        station = files.for_station(await cs.wait_for_station("CP1", 10 * UNIT))
        firmware = files.make_firmware(VERSION)
        assert hosts_in(station, firmware) == {"127.0.0.1"}
        await transfers_work(station, firmware, "diag.zip")
        await ws.close()


@needs_ipv6
async def test_the_url_is_decided_when_asked_so_a_station_back_on_the_other_loopback_gets_it(
    tmp_path, journal
):
    async with bench(tmp_path, journal, "") as (cs, files):  # both wildcards
        assert cs._server is not None
        ports = {s.family: s.getsockname()[1] for s in cs._server.sockets}
        firmware = files.make_firmware(VERSION)
        ws = await station_at("127.0.0.1", ports[socket.AF_INET])
        session = await cs.wait_for_station("CP1", 10 * UNIT)
        station = files.for_station(session)
        assert hosts_in(station, firmware) == {"127.0.0.1"}
        await transfers_work(station, firmware, "first.zip")
        await ws.close()
        await session.wait_disconnected(10 * UNIT)
        ws = await station_at("::1", ports[socket.AF_INET6])
        await session.wait_connected(10 * UNIT)
        assert hosts_in(station, firmware) == {"[::1]"}
        await transfers_work(station, firmware, "second.zip")
        await ws.close()


async def test_on_every_interface_no_url_is_written_before_the_station_connected(tmp_path, journal):
    async with bench(tmp_path, journal, "0.0.0.0") as (cs, files):
        station = files.for_station(cs.session("CP1"))
        with pytest.raises(FileServiceError, match="never connected"):
            _ = station.ftp_url
        with pytest.raises(FileServiceError, match="no station is named"):
            _ = files.ftp_url
        assert f"ftp port {files.ftp_port}, http port {files.http_port}" in files.where
        assert "0.0.0.0" in files.where and files.addresses == ["0.0.0.0"]
        assert "never connected" in repr(station)
