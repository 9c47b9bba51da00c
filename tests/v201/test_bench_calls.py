"""The bench's CALLs to an OCPP 2.0.1 station (OCPP 2.0.1 part 2): each request checked
against 2.0.1's request schema before it is sent, each result against 2.0.1's response
schema when it comes back; a 1.6 payload is refused before it reaches the wire."""

from __future__ import annotations

import asyncio
import json

import pytest
from ocpp.v201 import call
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from chargecheck.csms import InvalidResult
from chargecheck.protocol.errors import LocalProtocolError
from chargecheck.protocol.versions import OCPP201
from tests.conftest import UNIT, RawStation
from tests.v201.station import HEARTBEAT_INTERVAL, IDENTITY, connected, now_text

HEARTBEAT = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
UNKNOWN = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NoSuchVariable"}}
CARD = {"idToken": "04A1B2C3", "type": "ISO14443"}

# (action, request, the result the station's handlers give)
CALLS = [
    (
        "GetVariables",
        {"getVariableData": [HEARTBEAT, UNKNOWN]},
        {
            "getVariableResult": [
                {"attributeStatus": "Accepted", **HEARTBEAT, "attributeValue": HEARTBEAT_INTERVAL},
                {"attributeStatus": "UnknownVariable", **UNKNOWN},
            ]
        },
    ),
    (
        "SetVariables",
        {"setVariableData": [{**HEARTBEAT, "attributeValue": "60"}]},
        {"setVariableResult": [{"attributeStatus": "Accepted", **HEARTBEAT}]},
    ),
    ("GetBaseReport", {"requestId": 7, "reportBase": "FullInventory"}, {"status": "Accepted"}),
    (
        "RequestStartTransaction",
        {"idToken": CARD, "remoteStartId": 11, "evseId": 1},
        {"status": "Accepted"},
    ),
    ("RequestStopTransaction", {"transactionId": "TX-1"}, {"status": "Accepted"}),
    ("Reset", {"type": "OnIdle"}, {"status": "Scheduled"}),
    (
        "ChangeAvailability",
        {"operationalStatus": "Inoperative", "evse": {"id": 1}},
        {"status": "Accepted"},
    ),
    ("TriggerMessage", {"requestedMessage": "Heartbeat"}, {"status": "Accepted"}),
    ("UnlockConnector", {"evseId": 1, "connectorId": 1}, {"status": "Unlocked"}),
]


async def test_the_bench_calls_a_2_0_1_station_and_gets_its_results(central, journal):
    async with connected(central) as station:
        session = await central.wait_for_station(IDENTITY, 10 * UNIT)
        await station.boot()
        for action, request, expected in CALLS:
            result = await session.call(action, request, timeout=10 * UNIT)
            assert dict(result) == expected, action
            assert result.entry_id > result.call_entry_id > 0
        assert station.calls_received() == [(action, request) for action, request, _ in CALLS]
        # What the station does next on the bench's word: its NotifyReport, its Heartbeat.
        await station.call(
            call.NotifyReport(request_id=7, generated_at=now_text(), seq_no=0, tbc=False)
        )
        await station.call(call.Heartbeat())
        report = await session.expect("NotifyReport", lambda p: p["requestId"] == 7, 10 * UNIT)
        assert report.valid
        await session.expect("Heartbeat", timeout=10 * UNIT)
    out = [json.loads(e.raw) for e in journal.entries(central.run_id) if e.kind == "frame_out"]
    assert [m[2] for m in out if m[0] == 2] == [action for action, _, _ in CALLS]


@pytest.mark.parametrize(
    ("action", "payload"),
    [
        ("Reset", {"type": "Hard"}),  # 1.6's word; 2.0.1 has Immediate and OnIdle
        ("RemoteStartTransaction", {"idTag": "T"}),  # a 1.6 action, none in 2.0.1
        ("GetBaseReport", {"requestId": 7}),  # reportBase missing
    ],
)
async def test_a_call_that_is_not_valid_2_0_1_is_refused_before_the_wire(
    central, journal, action, payload
):
    async with connected(central) as station:
        session = await central.wait_for_station(IDENTITY, 10 * UNIT)
        with pytest.raises(LocalProtocolError):
            await session.call(action, payload, timeout=10 * UNIT)
        assert station.calls_received() == []
    assert [e for e in journal.entries(central.run_id) if e.kind == "frame_out"] == []


async def test_a_result_that_breaks_the_2_0_1_schema_is_an_invalid_result(central, journal):
    ws = await connect(central.url("RAW201"), subprotocols=[Subprotocol("ocpp2.0.1")])
    station = RawStation(ws)
    session = await central.wait_for_station("RAW201", 10 * UNIT)
    assert session.version is OCPP201
    pending = session.call("UnlockConnector", {"evseId": 1, "connectorId": 1}, timeout=10 * UNIT)
    task = asyncio.ensure_future(pending)
    request = await station.recv()
    assert request[2] == "UnlockConnector"
    # 1.6's UnlockStatus word; 2.0.1 has Unlocked, UnlockFailed, OngoingAuthorizedTransaction,
    # UnknownConnector.
    await station.send_raw(json.dumps([3, request[1], {"status": "NotSupported"}]))
    with pytest.raises(InvalidResult):
        await task
    kinds = [e.kind for e in journal.entries(central.run_id)]
    assert "invalid_reply" in kinds
    await ws.close()
