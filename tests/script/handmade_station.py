"""A charge station written by hand over a bare WebSocket, behaving as stations we did not
write do (issue #13): one connector; after each boot it reports connector 1 and nothing
of connector 0, which it reports only when its status changes or when asked with
TriggerMessage; it may leave iccid out of its BootNotification.

It serves the bench's CALLs (GetConfiguration, ChangeAvailability, TriggerMessage, Reset)
and sends its own one at a time, waiting for each CALLRESULT, as OCPP-J 1.6 asks.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from chargecheck.csms import CentralSystem

BOOT = {
    "chargePointVendor": "Handmade",
    "chargePointModel": "One",
    "chargePointSerialNumber": "HM-0001",
    "firmwareVersion": "1.0.0",
}


class HandmadeStation:
    """``answers_trigger``: whether TriggerMessage(StatusNotification) is followed by the
    status (False: it is Accepted and nothing comes, for every connector but 1).
    ``reports_zero_changes``: whether a change of connector 0's status is reported
    (False: connector 0 is reported only when asked). ``answers``: action -> the
    CALLRESULT payload for a bench CALL, instead of the built-in answer."""

    def __init__(
        self,
        central: CentralSystem,
        identity: str = "CP1",
        *,
        boot: dict[str, str] | None = None,
        answers_trigger: bool = True,
        reports_zero_changes: bool = True,
        answers: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.central = central
        self.identity = identity
        self.boot = dict(BOOT if boot is None else boot)
        self.answers_trigger = answers_trigger
        self.reports_zero_changes = reports_zero_changes
        self.answers = answers or {}
        self.served: collections.defaultdict[str, asyncio.Event] = collections.defaultdict(
            asyncio.Event
        )  # action -> set once the station has answered a bench CALL of it
        self.status = {0: "Available", 1: "Available"}
        self.boots = 0
        self._ids = itertools.count(1)
        self._ws: ClientConnection | None = None
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._sending = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._rebooting = False
        self._life: asyncio.Task[None] | None = None

    # -- life -------------------------------------------------------------------------

    async def __aenter__(self) -> HandmadeStation:
        booted = asyncio.Event()
        self._life = asyncio.create_task(self._live(booted))
        await asyncio.wait_for(booted.wait(), 10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._life is not None
        self._life.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._life
        for task in self._tasks:
            task.cancel()
        if self._ws is not None:
            await self._ws.close()

    async def _live(self, booted: asyncio.Event) -> None:
        """Connect, boot, serve; after a Reset, do it all again."""
        while True:
            self._rebooting = False
            async with connect(self.central.url(self.identity), subprotocols=["ocpp1.6"]) as ws:
                self._ws = ws
                reader = asyncio.create_task(self._read(ws))
                await self._boot()
                booted.set()
                with contextlib.suppress(ConnectionClosed):
                    await reader
            self._ws = None
            if not self._rebooting:
                return
            await asyncio.sleep(0.1)  # the "reboot"

    async def _boot(self) -> None:
        self.boots += 1
        reply = await self.send("BootNotification", self.boot)
        assert reply["status"] == "Accepted", reply
        await self.report(1)  # connector 0: only on a change, or when asked

    # -- the wire -----------------------------------------------------------------------

    async def send(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A CALL of the station; its CALLRESULT payload."""
        async with self._sending:
            assert self._ws is not None
            unique_id = f"hm{next(self._ids)}"
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._pending[unique_id] = future
            await self._ws.send(json.dumps([2, unique_id, action, payload]))
            return await asyncio.wait_for(future, 5)

    async def report(self, connector_id: int) -> None:
        await self.send(
            "StatusNotification",
            {
                "connectorId": connector_id,
                "errorCode": "NoError",
                "status": self.status[connector_id],
            },
        )

    async def _read(self, ws: ClientConnection) -> None:
        async for text in ws:
            frame = json.loads(text)
            if frame[0] == 3:
                self._pending.pop(frame[1]).set_result(frame[2])
            elif frame[0] == 2:
                payload, after = self._serve(frame[2], frame[3])
                await ws.send(json.dumps([3, frame[1], payload]))
                self.served[frame[2]].set()
                if after is not None:
                    self._later(after)

    def _later(self, step: Callable[[], Awaitable[None]]) -> None:
        task = asyncio.create_task(step())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the bench's CALLs ----------------------------------------------------------------

    def _serve(
        self, action: str, p: dict[str, Any]
    ) -> tuple[dict[str, Any], Callable[[], Awaitable[None]] | None]:
        if action in self.answers:
            return self.answers[action], None
        if action == "GetConfiguration":
            item = {"key": "NumberOfConnectors", "readonly": True, "value": "1"}
            return {"configurationKey": [item]}, None
        if action == "ChangeAvailability":
            return {"status": "Accepted"}, lambda: self._change(p["connectorId"], p["type"])
        if action == "TriggerMessage" and p["requestedMessage"] == "StatusNotification":
            c = p.get("connectorId")
            if c not in self.status:
                return {"status": "Rejected"}, None
            if self.answers_trigger or c == 1:
                return {"status": "Accepted"}, lambda: self.report(c)
            return {"status": "Accepted"}, None
        if action == "TriggerMessage" and p["requestedMessage"] == "Heartbeat":
            return {"status": "Accepted"}, lambda: self._heartbeat()
        if action == "Reset":
            return {"status": "Accepted"}, self._reset
        return {"status": "Rejected"}, None

    async def _change(self, connector_id: int, kind: str) -> None:
        new = "Available" if kind == "Operative" else "Unavailable"
        for c in [0, 1] if connector_id == 0 else [connector_id]:
            if self.status[c] != new:
                self.status[c] = new
                if c != 0 or self.reports_zero_changes:
                    await self.report(c)

    async def _heartbeat(self) -> None:
        await self.send("Heartbeat", {})

    async def _reset(self) -> None:
        self._rebooting = True
        assert self._ws is not None
        await self._ws.close()
