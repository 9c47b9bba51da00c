"""An OCPP 2.0.1 Charging Station the bench did not write: the ``ocpp`` package's
``ocpp.v201.ChargePoint`` over a ``websockets`` client offering ``ocpp2.0.1``. Its ``@on``
handlers answer the bench's CALLs with fixed, legal results; every frame it sends and
receives is kept as text, to compare with the bench's journal."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from typing import Any

from ocpp.routing import on
from ocpp.v201 import ChargePoint, call, call_result
from ocpp.v201.datatypes import (
    ChargingStationType,
    GetVariableResultType,
    SetVariableResultType,
)
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from chargecheck.csms import CentralSystem

IDENTITY = "CS201"
HEARTBEAT_INTERVAL = "300"  # what the station reports for OCPPCommCtrlr.HeartbeatInterval


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Station201(ChargePoint):
    """The station side of one connection, with its frames recorded in order."""

    def __init__(self, identity: str, connection: Any) -> None:
        super().__init__(identity, connection, response_timeout=10)
        self.frames: list[tuple[str, str]] = []  # ("out", text) sent, ("in", text) received

    async def _send(self, message: str) -> None:
        self.frames.append(("out", message))
        await super()._send(message)

    async def route_message(self, raw_msg: str | bytes) -> None:
        self.frames.append(("in", raw_msg if isinstance(raw_msg, str) else raw_msg.decode()))
        await super().route_message(raw_msg)

    def calls_received(self) -> list[tuple[str, dict[str, Any]]]:
        """The bench's CALLs, (action, payload) as they came over the wire."""
        decoded = [json.loads(text) for way, text in self.frames if way == "in"]
        return [(m[2], m[3]) for m in decoded if m[0] == 2]

    async def boot(self) -> call_result.BootNotification:
        station = ChargingStationType(
            vendor_name="Example Vendor",
            model="EX-201",
            serial_number="SN201",
            firmware_version="1.0",
        )
        return await self.call(call.BootNotification(charging_station=station, reason="PowerUp"))

    # -- the bench's CALLs (OCPP 2.0.1 part 2) ---------------------------------------

    @on("GetVariables")
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        results = []
        for item in get_variable_data:
            known = item["variable"]["name"] == "HeartbeatInterval"
            results.append(
                GetVariableResultType(
                    attribute_status="Accepted" if known else "UnknownVariable",
                    component=item["component"],
                    variable=item["variable"],
                    attribute_value=HEARTBEAT_INTERVAL if known else None,
                )
            )
        return call_result.GetVariables(get_variable_result=results)

    @on("SetVariables")
    def on_set_variables(self, set_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        return call_result.SetVariables(
            set_variable_result=[
                SetVariableResultType(
                    attribute_status="Accepted",
                    component=item["component"],
                    variable=item["variable"],
                )
                for item in set_variable_data
            ]
        )

    @on("GetBaseReport")
    def on_get_base_report(self, **_: Any) -> Any:
        return call_result.GetBaseReport(status="Accepted")

    @on("RequestStartTransaction")
    def on_request_start(self, **_: Any) -> Any:
        return call_result.RequestStartTransaction(status="Accepted")

    @on("RequestStopTransaction")
    def on_request_stop(self, **_: Any) -> Any:
        return call_result.RequestStopTransaction(status="Accepted")

    @on("Reset")
    def on_reset(self, **_: Any) -> Any:
        return call_result.Reset(status="Scheduled")

    @on("ChangeAvailability")
    def on_change_availability(self, **_: Any) -> Any:
        return call_result.ChangeAvailability(status="Accepted")

    @on("TriggerMessage")
    def on_trigger_message(self, **_: Any) -> Any:
        return call_result.TriggerMessage(status="Accepted")

    @on("UnlockConnector")
    def on_unlock_connector(self, **_: Any) -> Any:
        return call_result.UnlockConnector(status="Unlocked")


@asynccontextmanager
async def connected(cs: CentralSystem, identity: str = IDENTITY) -> AsyncIterator[Station201]:
    """The station connected over ``ocpp2.0.1``, reading the bench's frames, until closed."""
    async with connect(cs.url(identity), subprotocols=[Subprotocol("ocpp2.0.1")]) as ws:
        assert ws.subprotocol == "ocpp2.0.1"
        station = Station201(identity, ws)
        reader = asyncio.create_task(station.start())
        try:
            yield station
        finally:
            await ws.close()
            with suppress(ConnectionClosed):
                await reader
