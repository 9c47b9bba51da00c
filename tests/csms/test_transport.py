"""The WebSocket transport of the Central System (RFC 6455 through websockets' sans-I/O
protocol): what a station's TCP connection sees, byte by byte where it matters."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from websockets.frames import Frame, Opcode

from chargecheck.csms import CentralSystem, ServerSettings
from tests.conftest import UNIT, open_station
from tests.wire_station import WireStation


@pytest.fixture
async def pinging(journal) -> AsyncIterator[CentralSystem]:
    settings = ServerSettings(port=0, ping_interval=UNIT / 4, ping_timeout=UNIT / 4)
    async with CentralSystem(journal, settings) as cs:
        cs.run_id = journal.start_run("transport")
        yield cs


async def test_a_station_that_answers_pings_stays_connected(pinging):
    station = await open_station(pinging)  # websockets' client answers every ping
    await asyncio.sleep(UNIT * 2)
    assert (await station.call("Heartbeat", {}))[0] == 3
    await station.ws.close()


async def test_a_station_that_never_answers_pings_is_closed_1011_and_journaled(pinging, journal):
    station = await WireStation.open(pinging)
    close = await station.close_frame()
    assert close is not None and close.code == 1011 and "ping" in close.reason
    session = pinging.sessions["CP1"]
    await session.wait_disconnected(10 * UNIT)
    closes = [e.detail for e in journal.entries(pinging.run_id) if e.kind == "close"]
    assert "keepalive ping timeout" in closes[-1]["reason"]


async def test_a_fragmented_text_message_is_reassembled_and_answered(central):
    station = await WireStation.open(central)
    station.write_frame(Opcode.TEXT, b'[2,"f1","Heart', fin=False)
    station.write_frame(Opcode.CONT, b'beat"', fin=False)
    station.write_frame(Opcode.CONT, b",{}]")
    answer = await station.next_event()
    assert isinstance(answer, Frame) and json.loads(answer.data)[:2] == [3, "f1"]


async def test_text_that_is_not_utf8_fails_the_connection_with_1007(central, journal):
    station = await WireStation.open(central)
    station.write_frame(Opcode.TEXT, b'[2,"u1","Heartbeat",{"x":"\xff"}]')
    close = await station.close_frame()
    assert close is not None and close.code == 1007
    kinds = [e.kind for e in journal.entries(central.run_id)]
    assert "frame_in" not in kinds  # nothing was handed on as a message


async def test_a_message_over_the_size_limit_fails_the_connection_with_1009(journal):
    settings = ServerSettings(port=0, ping_interval=None, max_frame_bytes=1000)
    async with CentralSystem(journal, settings) as cs:
        station = await WireStation.open(cs)
        station.write_frame(Opcode.TEXT, b'[2,"b1","DataTransfer",{"data":"' + b"x" * 2000)
        close = await station.close_frame()
        assert close is not None and close.code == 1009


async def test_a_plain_http_request_is_refused_and_journaled(central, journal):
    reader, writer = await asyncio.open_connection("127.0.0.1", central.port)
    writer.write(b"GET /ocpp/CP9 HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n")
    status_line = await asyncio.wait_for(reader.readline(), 10 * UNIT)
    assert status_line.split()[1] == b"426"  # Upgrade Required
    writer.close()
    await central.writer.persisted()
    refusals = [e for e in journal.entries(central.run_id) if e.kind == "refuse"]
    assert refusals and refusals[0].station == "CP9" and refusals[0].detail["status"] == 426


async def test_a_connection_that_never_completes_the_handshake_is_dropped(journal):
    settings = ServerSettings(port=0, ping_interval=None, open_timeout=UNIT)
    async with CentralSystem(journal, settings) as cs:
        reader, writer = await asyncio.open_connection("127.0.0.1", cs.port)
        writer.write(b"GET /ocpp/CP1 HTTP/1.1\r\n")  # and nothing more
        assert await asyncio.wait_for(reader.read(), 10 * UNIT) == b""
        writer.close()


async def test_stopping_the_central_system_closes_stations_with_1001(journal):
    settings = ServerSettings(port=0, ping_interval=None, close_timeout=UNIT)
    async with CentralSystem(journal, settings) as cs:
        station = await WireStation.open(cs)
    close = await station.close_frame()
    assert close is not None and close.code == 1001


async def test_several_messages_in_one_tcp_segment_are_answered_in_order(central):
    station = await WireStation.open(central)
    frames = [
        Frame(Opcode.TEXT, json.dumps([2, f"m{i}", "Heartbeat", {}]).encode()).serialize(
            mask=True, extensions=[]
        )
        for i in range(5)
    ]
    station.writer.write(b"".join(frames))
    answers = [await station.next_event() for _ in range(5)]
    assert [json.loads(a.data)[1] for a in answers] == [f"m{i}" for i in range(5)]
