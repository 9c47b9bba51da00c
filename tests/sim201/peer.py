"""A CSMS we did not write: the ``ocpp`` package's 2.0.1 ``ChargePoint`` used server-side
(its ``@on`` handlers answer the station and check every payload against its schemas,
``call()`` sends the CSMS's requests) over a ``websockets`` server on 127.0.0.1:0 that
accepts the subprotocol "ocpp2.0.1" only."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from typing import Any

from ocpp.exceptions import InternalError
from ocpp.routing import on
from ocpp.v201 import ChargePoint, call_result
from ocpp.v201.enums import Action
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

WAIT = 5.0  # real seconds any single expectation may take at most
Where = Callable[[dict[str, Any]], bool]


def now_text() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class Central:
    """What the CSMS side saw and how it answers, across the station's connections."""

    def __init__(self) -> None:
        self.url = ""
        self.received: list[tuple[str, dict[str, Any]]] = []  # station CALLs, raw JSON
        self.peers: list[PeerCsms] = []  # one per connection, the latest last
        self.paths: list[str] = []
        self.subprotocols: list[str | None] = []
        self.boot_status = "Accepted"
        self.interval = 300
        self.refuse = False  # answer the WebSocket handshake with HTTP 503
        self.failing_events = 0  # TransactionEvents to answer CALLERROR InternalError first
        self.token_status: str | None = None  # idTokenInfo.status for a TransactionEvent's idToken
        self.refused = 0
        # loop.time() of each refused handshake, taken when it is seen and before it is
        # answered: the gap to the next one is never shorter than the station's wait
        self.refused_at: list[float] = []
        self.closed_paths: dict[str, int | None] = {}  # path prefix -> refusals left (None: all)
        self.refused_paths: list[str] = []  # the path of each refused handshake
        self.changed = asyncio.Condition()

    @property
    def peer(self) -> PeerCsms:
        assert self.peers, "the station never connected"
        return self.peers[-1]

    async def record(self, action: str, payload: dict[str, Any]) -> None:
        async with self.changed:
            self.received.append((action, payload))
            self.changed.notify_all()

    def of(self, action: str, start: int = 0) -> list[dict[str, Any]]:
        return [p for a, p in self.received[start:] if a == action]

    def mark(self) -> int:
        return len(self.received)

    async def first(
        self, action: str, where: Where = lambda p: True, start: int = 0, timeout: float = WAIT
    ) -> dict[str, Any]:
        """The first ``action`` from index ``start`` on that matches ``where``."""

        def found() -> dict[str, Any] | None:
            return next((p for p in self.of(action, start) if where(p)), None)

        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(lambda: found() is not None)
        payload = found()
        assert payload is not None
        return payload

    async def count(
        self, action: str, n: int, start: int = 0, timeout: float = WAIT
    ) -> list[dict[str, Any]]:
        """The first ``n`` of ``action`` from ``start`` on, once they came."""
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(lambda: len(self.of(action, start)) >= n)
        return self.of(action, start)[:n]

    async def connections(self, n: int, timeout: float = WAIT) -> None:
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(lambda: len(self.peers) >= n)


class PeerCsms(ChargePoint):
    """The CSMS side of one connection, on the ``ocpp`` package's handlers."""

    def __init__(self, identity: str, connection: ServerConnection, central: Central) -> None:
        super().__init__(identity, connection)
        self.central = central

    async def route_message(self, raw_msg: str | bytes) -> None:
        frame = json.loads(raw_msg)
        if frame[0] == 2:
            await self.central.record(frame[2], frame[3])
        await super().route_message(raw_msg)

    @on(Action.boot_notification)
    async def on_boot_notification(self, **_: Any) -> call_result.BootNotification:
        c = self.central
        return call_result.BootNotification(
            current_time=now_text(), interval=c.interval, status=c.boot_status
        )

    @on(Action.status_notification)
    async def on_status_notification(self, **_: Any) -> call_result.StatusNotification:
        return call_result.StatusNotification()

    @on(Action.heartbeat)
    async def on_heartbeat(self, **_: Any) -> call_result.Heartbeat:
        return call_result.Heartbeat(current_time=now_text())

    @on(Action.authorize)
    async def on_authorize(self, **_: Any) -> call_result.Authorize:
        return call_result.Authorize(id_token_info={"status": "Accepted"})

    @on(Action.transaction_event)
    async def on_transaction_event(self, **request: Any) -> call_result.TransactionEvent:
        c = self.central
        if c.failing_events > 0:
            c.failing_events -= 1
            raise InternalError(description="the CSMS failed to process it")
        if c.token_status is not None and "id_token" in request:
            return call_result.TransactionEvent(id_token_info={"status": c.token_status})
        return call_result.TransactionEvent()

    @on(Action.notify_report)
    async def on_notify_report(self, **_: Any) -> call_result.NotifyReport:
        return call_result.NotifyReport()

    @on(Action.meter_values)
    async def on_meter_values(self, **_: Any) -> call_result.MeterValues:
        return call_result.MeterValues()


@asynccontextmanager
async def running_csms() -> AsyncIterator[Central]:
    """A CSMS on 127.0.0.1, any free port; ``central.url`` is its OCPP endpoint."""
    central = Central()

    def gate(connection: ServerConnection, request: Request) -> Response | None:
        closed = next((p for p in central.closed_paths if request.path.startswith(p)), None)
        if closed is not None:
            left = central.closed_paths[closed]
            if left is not None:
                central.closed_paths[closed] = left - 1
                if left <= 1:
                    del central.closed_paths[closed]
        if central.refuse or closed is not None:
            central.refused += 1
            central.refused_at.append(asyncio.get_running_loop().time())
            central.refused_paths.append(request.path)
            return Response(503, "Service Unavailable", Headers(), b"")
        return None

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        central.paths.append(ws.request.path)
        central.subprotocols.append(ws.subprotocol)
        peer = PeerCsms(ws.request.path.rsplit("/", 1)[-1], ws, central)
        async with central.changed:
            central.peers.append(peer)
            central.changed.notify_all()
        with suppress(ConnectionClosed):
            await peer.start()

    async with serve(
        handler,
        "127.0.0.1",
        0,
        subprotocols=[Subprotocol("ocpp2.0.1")],
        process_request=gate,
        ping_interval=None,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        central.url = f"ws://127.0.0.1:{port}/ocpp"
        yield central
