"""The simulator against a Central System we did not write: the ``ocpp`` package's
``ChargePoint`` used server-side (its ``@on`` handlers answer the station, ``call()`` sends
the Central System's requests) over a ``websockets`` server on 127.0.0.1:0, in real time.

With a car connected from boot, a RemoteStartTransaction is Accepted and the
StartTransaction follows within seconds (OCPP 1.6 section 5.11), as the issue #14 probe
asks; every frame the station sends passes the ``ocpp`` package's schema validation."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, RegistrationStatus, RemoteStartStopStatus
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from chargecheck.sim.simulator import Simulator

WAIT = 5.0  # real seconds
ACCEPTED = {"status": "Accepted"}


def now_text() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class PeerCentralSystem(ChargePoint):
    """The Central System side of one station, on the ``ocpp`` package's handlers."""

    def __init__(self, identity: str, connection: ServerConnection) -> None:
        super().__init__(identity, connection)
        self.received: list[tuple[str, dict[str, Any]]] = []  # station CALLs, in order
        self.sent: list[list[Any]] = []  # every frame this side sent
        self.frames_in: list[list[Any]] = []  # every frame the station sent
        self._changed = asyncio.Condition()
        self._transaction_ids = itertools.count(100)

    async def _record(self, action: str, payload: dict[str, Any]) -> None:
        async with self._changed:
            self.received.append((action, payload))
            self._changed.notify_all()

    async def _send(self, message: str) -> None:
        self.sent.append(json.loads(message))
        await super()._send(message)

    async def route_message(self, raw_msg: str | bytes) -> None:
        self.frames_in.append(json.loads(raw_msg))
        await super().route_message(raw_msg)

    async def first(
        self, action: str, where: Callable[[dict[str, Any]], bool], timeout: float, start: int = 0
    ) -> dict[str, Any]:
        """The first ``action`` from index ``start`` on that matches ``where``."""

        def found() -> dict[str, Any] | None:
            return next(
                (p for a, p in self.received[start:] if a == action and where(p)),
                None,
            )

        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: found() is not None)
        payload = found()
        assert payload is not None
        return payload

    @on(Action.boot_notification)
    async def on_boot_notification(self, **payload: Any) -> call_result.BootNotification:
        await self._record("BootNotification", payload)
        return call_result.BootNotification(
            current_time=now_text(), interval=3600, status=RegistrationStatus.accepted
        )

    @on(Action.status_notification)
    async def on_status_notification(self, **payload: Any) -> call_result.StatusNotification:
        await self._record("StatusNotification", payload)
        return call_result.StatusNotification()

    @on(Action.heartbeat)
    async def on_heartbeat(self, **payload: Any) -> call_result.Heartbeat:
        await self._record("Heartbeat", payload)
        return call_result.Heartbeat(current_time=now_text())

    @on(Action.authorize)
    async def on_authorize(self, **payload: Any) -> call_result.Authorize:
        await self._record("Authorize", payload)
        return call_result.Authorize(id_tag_info=ACCEPTED)

    @on(Action.start_transaction)
    async def on_start_transaction(self, **payload: Any) -> call_result.StartTransaction:
        await self._record("StartTransaction", payload)
        return call_result.StartTransaction(
            transaction_id=next(self._transaction_ids), id_tag_info=ACCEPTED
        )

    @on(Action.meter_values)
    async def on_meter_values(self, **payload: Any) -> call_result.MeterValues:
        await self._record("MeterValues", payload)
        return call_result.MeterValues()

    @on(Action.stop_transaction)
    async def on_stop_transaction(self, **payload: Any) -> call_result.StopTransaction:
        await self._record("StopTransaction", payload)
        return call_result.StopTransaction(id_tag_info=ACCEPTED)


def status_of(connector: int, status: str) -> Callable[[dict[str, Any]], bool]:
    return lambda p: p["connector_id"] == connector and p["status"] == status


def security_event_calls(peers: Sequence[PeerCentralSystem]) -> list[list[Any]]:
    return [
        frame
        for peer in peers
        for frame in peer.frames_in
        if frame[0] == 2 and frame[2] == "SecurityEventNotification"
    ]


def unhandled_call_errors(peers: Sequence[PeerCentralSystem]) -> list[list[Any]]:
    """The CALLERRORs the Central System sent (a station CALL invalid or unhandled), but
    the NotImplemented that answers a SecurityEventNotification: the package's ChargePoint
    has no handler for it here, as a Central System without the security extension."""
    security = {frame[1] for frame in security_event_calls(peers)}
    return [
        frame
        for peer in peers
        for frame in peer.sent
        if frame[0] == 4 and not (frame[1] in security and frame[2] == "NotImplemented")
    ]


def told_security_events(peers: Sequence[PeerCentralSystem]) -> list[tuple[str, str]]:
    """(type, timestamp) of every SecurityEventNotification the station sent: one resent
    after its NotImplemented would be there twice."""
    return [(f[3]["type"], f[3]["timestamp"]) for f in security_event_calls(peers)]


async def test_an_ocpp_package_central_system_remote_starts_a_waiting_car_at_once(tmp_path):
    peers: asyncio.Queue[PeerCentralSystem] = asyncio.Queue()

    async def handler(connection: ServerConnection) -> None:
        assert connection.request is not None
        peer = PeerCentralSystem(connection.request.path.rsplit("/", 1)[-1], connection)
        peers.put_nowait(peer)
        with suppress(ConnectionClosed):  # the station went: its peer's loop ends
            await peer.start()

    async with serve(
        handler, "127.0.0.1", 0, subprotocols=[Subprotocol("ocpp1.6")], ping_interval=None
    ) as server:
        port = server.sockets[0].getsockname()[1]
        url = f"ws://127.0.0.1:{port}/ocpp"
        async with Simulator(url, "CP1", state_dir=tmp_path, ev_connected=[1]):
            peer = await asyncio.wait_for(peers.get(), WAIT)
            assert peer.id == "CP1"
            boot = await peer.first("BootNotification", lambda p: True, WAIT)
            assert boot["charge_point_vendor"] == "Alfen BV"
            await peer.first("StatusNotification", status_of(1, "Preparing"), WAIT)
            await peer.first("StatusNotification", status_of(2, "Available"), WAIT)

            # No plug ever happens here: without the car already in, no StartTransaction
            # would come (the station would wait for one, ConnectionTimeOut 60 s).
            mark = len(peer.received)
            answer = await peer.call(
                call.RemoteStartTransaction(id_tag="INTEROP", connector_id=1), suppress=False
            )
            assert answer.status == RemoteStartStopStatus.accepted
            start = await peer.first("StartTransaction", lambda p: True, WAIT, mark)
            assert start["connector_id"] == 1 and start["id_tag"] == "INTEROP"
            await peer.first("StatusNotification", status_of(1, "Charging"), WAIT, mark)

            mark = len(peer.received)
            answer = await peer.call(call.RemoteStopTransaction(transaction_id=100), suppress=False)
            assert answer.status == RemoteStartStopStatus.accepted
            stop = await peer.first("StopTransaction", lambda p: True, WAIT, mark)
            assert stop["transaction_id"] == 100 and stop["reason"] == "Remote"
            await peer.first("StatusNotification", status_of(1, "Finishing"), WAIT, mark)

            mark = len(peer.received)  # the car is still in: a second remote start, no plug
            answer = await peer.call(
                call.RemoteStartTransaction(id_tag="AGAIN", connector_id=1), suppress=False
            )
            assert answer.status == RemoteStartStopStatus.accepted
            again = await peer.first("StartTransaction", lambda p: True, WAIT, mark)
            assert again["id_tag"] == "AGAIN"
            await peer.first("StatusNotification", status_of(1, "Charging"), WAIT, mark)

    assert unhandled_call_errors([peer]) == []
    # The station's StartupOfTheDevice was answered NotImplemented: the transaction
    # messages above still went within seconds (it was not resent, holding them up).
    assert [kind for kind, _ in told_security_events([peer])] == ["StartupOfTheDevice"]
