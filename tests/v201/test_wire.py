"""OCPP-J 2.0.1 on the wire (part 4): a raw 2.0.1 station's malformed frames get 2.0.1's
CALLERROR codes (section 4.3) and the link goes on; a 1.6 station on the same port at the
same time keeps its own version and codes."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from chargecheck.protocol.versions import OCPP16, OCPP201
from tests.conftest import UNIT, RawStation, open_station

BOOT_201 = {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}}
BOOT_16 = {"chargePointVendor": "V", "chargePointModel": "M"}

BAD_FRAMES_201 = [
    ("not JSON", "hello", "-1", "RpcFrameworkError"),
    ("no MessageId", '[2,17,"Heartbeat",{}]', "-1", "RpcFrameworkError"),
    ("CALL too short", '[2,"b1","Heartbeat"]', "b1", "RpcFrameworkError"),
    ("unknown message type", '[9,"b2","Heartbeat",{}]', "b2", "MessageTypeNotSupported"),
    ("payload not an object", '[2,"b3","Heartbeat",[]]', "b3", "FormatViolation"),
    ("unknown field", '[2,"b4","Heartbeat",{"extra":true}]', "b4", "FormatViolation"),
    ("missing required field", '[2,"b5","Authorize",{}]', "b5", "OccurrenceConstraintViolation"),
    (
        "wrong field type",
        '[2,"b6","Authorize",{"idToken":{"idToken":5,"type":"Central"}}]',
        "b6",
        "TypeConstraintViolation",
    ),
    ("a 1.6 action", '[2,"b7","StartTransaction",{}]', "b7", "NotImplemented"),
    ("a CSMS action", '[2,"b8","Reset",{"type":"Immediate"}]', "b8", "NotSupported"),
]


async def _station_201(cs, identity: str = "RAW201") -> RawStation:
    return RawStation(await connect(cs.url(identity), subprotocols=[Subprotocol("ocpp2.0.1")]))


@pytest.mark.parametrize(
    ("what", "text", "unique_id", "code"), BAD_FRAMES_201, ids=[b[0] for b in BAD_FRAMES_201]
)
async def test_a_malformed_2_0_1_frame_gets_the_2_0_1_code_and_the_link_goes_on(
    central, journal, what, text, unique_id, code
):
    station = await _station_201(central)
    await station.send_raw(text)
    answer = await station.recv()
    assert answer[:3] == [4, unique_id, code], what
    assert code in OCPP201.error_codes
    heartbeat = await station.call("Heartbeat", {})
    assert heartbeat[0] == 3 and "currentTime" in heartbeat[2]
    kinds = [e.kind for e in journal.entries(central.run_id)]
    assert "bad_frame" in kinds or "rejected_call" in kinds
    await station.ws.close()


async def test_a_1_6_and_a_2_0_1_station_share_the_port_each_in_its_version(central):
    old = await open_station(central, "CP16")
    new = await _station_201(central, "CP201")
    session_16 = await central.wait_for_station("CP16", 10 * UNIT)
    session_201 = await central.wait_for_station("CP201", 10 * UNIT)
    assert (session_16.version, session_201.version) == (OCPP16, OCPP201)

    boots = await asyncio.gather(
        old.call("BootNotification", BOOT_16), new.call("BootNotification", BOOT_201)
    )
    assert [b[0] for b in boots] == [3, 3]
    assert set(boots[0][2]) == set(boots[1][2]) == {"status", "currentTime", "interval"}

    started = await old.call(
        "StartTransaction",
        {"connectorId": 1, "idTag": "T1", "meterStart": 0, "timestamp": "2026-12-07T05:00:00Z"},
    )
    assert started[0] == 3 and isinstance(started[2]["transactionId"], int)
    # Each is judged by its own version: the same bad payload, each version's spelling.
    wrong_16 = await old.call("Authorize", {})
    wrong_201 = await new.call("Authorize", {})
    assert (wrong_16[2], wrong_201[2]) == (
        "OccurenceConstraintViolation",
        "OccurrenceConstraintViolation",
    )

    reset_16 = asyncio.ensure_future(session_16.call("Reset", {"type": "Soft"}, 10 * UNIT))
    reset_201 = asyncio.ensure_future(session_201.call("Reset", {"type": "Immediate"}, 10 * UNIT))
    for station, status in ((old, "Accepted"), (new, "Scheduled")):
        request = await station.recv()
        assert request[2] == "Reset"
        await station.send_raw(json.dumps([3, request[1], {"status": status}]))
    assert (await reset_16, await reset_201) == ({"status": "Accepted"}, {"status": "Scheduled"})
    await old.ws.close()
    await new.ws.close()
