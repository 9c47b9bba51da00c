"""A station on a plain TCP stream that writes any WebSocket frame a test builds
(text that is not UTF-8, binary, several frames in one write) and reads the server's
frames with websockets' sans-I/O client: what the transport, limit and fuzz tests use."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.client import ClientProtocol
from websockets.frames import Close, Frame, Opcode
from websockets.http11 import Request, Response
from websockets.uri import parse_uri

from chargecheck.csms import CentralSystem
from tests.conftest import UNIT


class Refused(Exception):
    """The server answered the handshake with something other than 101."""

    def __init__(self, status: int) -> None:
        super().__init__(f"handshake refused: HTTP {status}")
        self.status = status


class WireStation:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, url: str):
        self.reader, self.writer = reader, writer
        self.ws = ClientProtocol(parse_uri(url), subprotocols=["ocpp1.6"])  # type: ignore[list-item]
        self.pending: list[Request | Response | Frame] = []

    @classmethod
    async def open(cls, cs: CentralSystem, identity: str = "CP1") -> WireStation:
        reader, writer = await asyncio.open_connection("127.0.0.1", cs.port)
        station = cls(reader, writer, cs.url(identity))
        station.ws.send_request(station.ws.connect())
        for data in station.ws.data_to_send():
            writer.write(data)
        response = await station.next_event()
        assert isinstance(response, Response)
        if response.status_code != 101:
            writer.close()
            raise Refused(response.status_code)
        return station

    def frame_bytes(self, data: bytes, opcode: Opcode = Opcode.TEXT, fin: bool = True) -> bytes:
        return Frame(opcode, data, fin).serialize(mask=True, extensions=[])

    def write_frame(self, opcode: Opcode, data: bytes, fin: bool = True) -> None:
        """One frame of any opcode, a fragment when ``fin`` is False."""
        self.writer.write(self.frame_bytes(data, opcode, fin))

    def write(self, *frames: bytes, opcode: Opcode = Opcode.TEXT) -> None:
        """Write each payload as one frame, all in one TCP write."""
        self.writer.write(b"".join(self.frame_bytes(f, opcode) for f in frames))

    async def next_event(self, timeout: float = 25 * UNIT) -> Request | Response | Frame | None:
        """The next handshake response or frame from the server; None at EOF."""
        async with asyncio.timeout(timeout):
            while True:
                self.pending += self.ws.events_received()
                if self.pending:
                    return self.pending.pop(0)
                data = await self.reader.read(65536)
                if not data:
                    return None
                self.ws.receive_data(data)

    async def message(self) -> list[Any] | Close | None:
        """The next OCPP-J message (parsed), the server's close frame, or None at EOF."""
        while True:
            event = await self.next_event()
            if event is None:
                return None
            assert isinstance(event, Frame)
            if event.opcode is Opcode.CLOSE:
                return Close.parse(event.data)
            if event.opcode is Opcode.TEXT:
                parsed: list[Any] = json.loads(bytes(event.data))
                return parsed

    async def close_frame(self) -> Close | None:
        """Read until the server's close frame (pongs are not sent: pings are ignored)."""
        while True:
            event = await self.next_event()
            if event is None:
                return None
            if isinstance(event, Frame) and event.opcode is Opcode.CLOSE:
                return Close.parse(event.data)

    async def messages(self, count: int) -> list[list[Any]]:
        out = []
        for _ in range(count):
            message = await self.message()
            assert isinstance(message, list), f"expected an OCPP-J message, got {message!r}"
            out.append(message)
        return out

    async def call(
        self, unique_id: str, action: str = "Heartbeat", payload: Any = None
    ) -> list[Any]:
        self.write(json.dumps([2, unique_id, action, payload or {}]).encode())
        (answer,) = await self.messages(1)
        return answer

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def heartbeat(unique_id: str) -> bytes:
    return f'[2,"{unique_id}","Heartbeat",{{}}]'.encode()
