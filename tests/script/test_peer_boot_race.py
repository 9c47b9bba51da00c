"""The peer station (``bench.peer``) and a RemoteStartTransaction that arrives in the same
read as the BootNotification.conf, as a fast Central System sends it (the flaky rows 6
and 7 of test_peer_station: 'answered Rejected with connector 1 not yet reported').

The ``ocpp`` package's read loop queues the conf for the boot coroutine and goes straight
on to the CALL behind it; the handler runs before the boot coroutine has resumed to mark
the station booted. The peer's handler waits for that (at most ``BOOT_TURNS`` turns of
10 ms) instead of answering Rejected.

The Central System here is written in the test on websockets' sans-I/O protocol, so that
the conf and the CALL go out in one TCP write. The ``ocpp`` package validates messages in
a thread pool by default (``ocpp.messages.ASYNC_VALIDATION``), which leaves to thread
scheduling whether the CALL's or the conf's validation ends first; the test validates in
the loop, so that the read order alone decides: the CALL is handled in the loop step the
conf is queued in, before the boot coroutine can run.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import ocpp.messages
from bench.peer.model import StationState
from bench.peer.station import PeerStation
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.server import ServerProtocol
from websockets.typing import Subprotocol

from tests.conftest import UNIT

IDENTITY = "PEER1"
ID_TAG = "RACE-TAG-1"
REMOTE_START = "cs-remote-start-1"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


# What the Central System answers to each CALL of the station.
ANSWERS: dict[str, Callable[[], dict[str, Any]]] = {
    "StatusNotification": dict,
    "MeterValues": dict,
    "Heartbeat": lambda: {"currentTime": _now()},
    "Authorize": lambda: {"idTagInfo": {"status": "Accepted"}},
    "StartTransaction": lambda: {"transactionId": 1, "idTagInfo": {"status": "Accepted"}},
    "StopTransaction": dict,
}


class CentralSide:
    """One station connection, server side: the test decides what each write holds."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.ws = ServerProtocol(subprotocols=[Subprotocol("ocpp1.6")])
        self.pending: list[Request | Frame] = []
        self.calls: list[list[Any]] = []  # the station's CALLs
        self.results: dict[str, Any] = {}  # unique id -> the station's CALLRESULT payload
        self.changed = asyncio.Event()

    def write(self, *messages: list[Any]) -> None:
        """Each message as one text frame, all of them in one TCP write."""
        for message in messages:
            self.ws.send_text(json.dumps(message).encode())
        self._flush()

    def _flush(self) -> None:
        data = self.ws.data_to_send()
        self.writer.write(b"".join(data))
        if data and data[-1] == b"":  # the end of the stream
            self.writer.close()

    async def _event(self) -> Request | Frame | None:
        while not self.pending:
            data = await self.reader.read(65536)
            if not data:
                self.ws.receive_eof()
                self._flush()
                return None
            self.ws.receive_data(data)
            self._flush()  # pongs, the close handshake
            self.pending += self.ws.events_received()  # type: ignore[arg-type]
        return self.pending.pop(0)

    async def accept(self) -> None:
        request = await self._event()
        assert isinstance(request, Request), request
        self.ws.send_response(self.ws.accept(request))
        self._flush()

    async def message(self) -> list[Any] | None:
        """The next OCPP-J message of the station; None once the connection ends."""
        while True:
            event = await self._event()
            if event is None:
                return None
            if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                parsed: list[Any] = json.loads(bytes(event.data))
                return parsed

    async def serve(self) -> None:
        """Answer the station's CALLs and keep its answers, until the connection ends."""
        while (message := await self.message()) is not None:
            if message[0] == 2:
                self.calls.append(message)
                self.write([3, message[1], ANSWERS[message[2]]()])
            elif message[0] == 3:
                self.results[message[1]] = message[2]
            self.changed.set()

    async def until(self, condition: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not condition():
                self.changed.clear()
                await self.changed.wait()


def _started(central: CentralSide) -> list[dict[str, Any]]:
    return [c[3] for c in central.calls if c[2] == "StartTransaction"]


async def test_a_remote_start_read_with_the_boot_answer_is_accepted_and_starts(monkeypatch):
    monkeypatch.setattr(ocpp.messages, "ASYNC_VALIDATION", False)
    arrived: asyncio.Queue[CentralSide] = asyncio.Queue()
    server = await asyncio.start_server(
        lambda r, w: arrived.put_nowait(CentralSide(r, w)), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    # An EV on connector 1: the transaction starts at once.
    state = StationState.create(IDENTITY, 2, {1}, firmware_version="1.2.3")
    station = PeerStation(state, f"ws://127.0.0.1:{port}/ocpp/{IDENTITY}", call_timeout=25 * UNIT)
    stop = asyncio.Event()
    async with server, asyncio.TaskGroup() as group:
        group.create_task(station.run(stop))
        try:
            central = await asyncio.wait_for(arrived.get(), 25 * UNIT)
            await central.accept()
            boot = await central.message()
            assert boot is not None and boot[2] == "BootNotification", boot
            assert not station.booted
            central.write(
                [3, boot[1], {"status": "Accepted", "currentTime": _now(), "interval": 300}],
                [2, REMOTE_START, "RemoteStartTransaction", {"connectorId": 1, "idTag": ID_TAG}],
            )
            serving = group.create_task(central.serve())
            await central.until(lambda: REMOTE_START in central.results, 25 * UNIT)
            assert central.results[REMOTE_START] == {"status": "Accepted"}
            await central.until(lambda: bool(_started(central)), 25 * UNIT)
        finally:
            stop.set()
        await serving

    (started,) = _started(central)
    assert (started["connectorId"], started["idTag"]) == (1, ID_TAG), started
