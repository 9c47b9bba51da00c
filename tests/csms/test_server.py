"""The handshake (OCPP-J 1.6 section 3) and the wire rules for bad frames (section 4)."""

from __future__ import annotations

import base64
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.csms.server import identity_from_path
from tests.conftest import UNIT, open_station


def test_identity_is_the_last_path_segment_url_decoded():
    assert identity_from_path("/ocpp/CP%201") == "CP 1"
    assert identity_from_path("/a/b/CP1/") == "CP1"
    assert identity_from_path("/CP1?x=1") == "CP1"
    assert identity_from_path("/") is None


async def test_a_station_offering_no_version_the_bench_speaks_is_refused_and_journaled(
    central, journal
):
    with pytest.raises(InvalidStatus) as caught:
        await connect(central.url("CP1"), subprotocols=["ocpp1.5"])
    assert caught.value.response.status_code == 400
    with pytest.raises(InvalidStatus):
        await connect(central.url("CP1"))
    refusals = [e.detail for e in journal.entries(central.run_id) if e.kind == "refuse"]
    assert [r["reason"] for r in refusals] == [
        "subprotocol ocpp1.6 or ocpp2.0.1 is required (offered: ['ocpp1.5'])",
        "subprotocol ocpp1.6 or ocpp2.0.1 is required (offered: none)",
    ]
    assert "CP1" not in central.sessions


def _auth(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
async def guarded(journal):
    settings = ServerSettings(port=0, ping_interval=None, passwords={"CP1": "s3cret"})
    async with CentralSystem(journal, settings) as cs:
        cs.run_id = journal.start_run("auth")
        yield cs


async def test_basic_auth_with_the_right_password_is_accepted(guarded):
    station = await open_station(guarded, additional_headers=_auth("CP1", "s3cret"))
    assert (await station.call("Heartbeat", {}))[0] == 3
    await station.ws.close()


@pytest.mark.parametrize(
    "headers", [{}, _auth("CP1", "wrong"), _auth("CP2", "s3cret"), {"Authorization": "Basic !!"}]
)
async def test_basic_auth_missing_or_wrong_is_refused_and_journaled(guarded, journal, headers):
    with pytest.raises(InvalidStatus) as caught:
        await open_station(guarded, additional_headers=headers)
    assert caught.value.response.status_code == 401
    refusal = [e for e in journal.entries(guarded.run_id) if e.kind == "refuse"]
    assert len(refusal) == 1 and refusal[0].station == "CP1"
    assert "s3cret" not in json.dumps(refusal[0].detail)


async def test_a_forced_outage_refuses_reconnects_for_its_duration(central):
    central.refuse("CP1", 60)
    with pytest.raises(InvalidStatus) as caught:
        await open_station(central)
    assert caught.value.response.status_code == 503
    central.refuse("CP1", 0)
    station = await open_station(central)
    await station.ws.close()


BAD_FRAMES = [
    ("not JSON", "hello", "-1", "FormationViolation"),
    ("JSON object", '{"a":1}', "-1", "FormationViolation"),
    ("empty array", "[]", "-1", "FormationViolation"),
    ("string message type", '["2","b1","Heartbeat",{}]', "-1", "FormationViolation"),
    ("unknown message type", '[9,"b2","Heartbeat",{}]', "b2", "ProtocolError"),
    ("CALL too short", '[2,"b3","Heartbeat"]', "b3", "ProtocolError"),
    ("numeric unique id", '[2,17,"Heartbeat",{}]', "-1", "FormationViolation"),
    (
        "unique id over 36 chars",
        '[2,"' + "u" * 40 + '","Heartbeat",{}]',
        "-1",
        "FormationViolation",
    ),
    ("action not a string", '[2,"b4",3,{}]', "b4", "FormationViolation"),
    ("payload not an object", '[2,"b5","Heartbeat",[]]', "b5", "FormationViolation"),
    ("unknown action", '[2,"b6","MakeCoffee",{}]', "b6", "NotImplemented"),
    ("Central System action", '[2,"b7","Reset",{"type":"Hard"}]', "b7", "NotSupported"),
    ("missing required field", '[2,"b8","Authorize",{}]', "b8", "OccurenceConstraintViolation"),
    ("wrong field type", '[2,"b9","Authorize",{"idTag":5}]', "b9", "TypeConstraintViolation"),
    (
        "value not in enum",
        '[2,"c1","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Occupied"}]',
        "c1",
        "PropertyConstraintViolation",
    ),
    (
        "string too long",
        '[2,"c2","Authorize",{"idTag":"' + "x" * 21 + '"}]',
        "c2",
        "PropertyConstraintViolation",
    ),
    ("unknown field", '[2,"c3","Heartbeat",{"extra":true}]', "c3", "FormationViolation"),
    (
        "bad timestamp",
        '[2,"c4","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Available",'
        '"timestamp":"yesterday"}]',
        "c4",
        "PropertyConstraintViolation",
    ),
]


@pytest.mark.parametrize(
    ("what", "text", "unique_id", "code"), BAD_FRAMES, ids=[b[0] for b in BAD_FRAMES]
)
async def test_bad_frame_gets_the_right_call_error_is_journaled_and_the_link_stays(
    central, journal, what, text, unique_id, code
):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    await station.send_raw(text)
    answer = await station.recv()
    assert answer[:3] == [4, unique_id, code], what
    assert (await station.call("Heartbeat", {}))[0] == 3
    entries = list(journal.entries(central.run_id))
    assert text in [e.raw for e in entries if e.kind == "frame_in"]
    assert {"bad_frame", "rejected_call"} & {e.kind for e in entries}
    assert session.connected
    await station.ws.close()


async def test_binary_frames_are_journaled_and_answered(central, journal):
    station = await open_station(central)
    await station.send_raw(b'[2,"bin","Heartbeat",{}]')
    assert (await station.recv())[:2] == [3, "bin"]
    binary = [e for e in journal.entries(central.run_id) if e.kind == "frame_in"]
    assert binary[0].detail == {"binary": True}
    await station.ws.close()


async def test_a_reply_for_an_unknown_id_is_journaled_and_not_answered(central, journal):
    station = await open_station(central)
    await station.send_raw('[3,"never-sent",{}]')
    assert (await station.call("Heartbeat", {}))[1] == "s1"
    kinds = [e.kind for e in journal.entries(central.run_id)]
    assert "unexpected_reply" in kinds
    await station.ws.close()
