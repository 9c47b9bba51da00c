"""The OCPP version of a connection (OCPP-J 1.6 section 3.1.2, OCPP 2.0.1 part 4 section
3.1.2): negotiated by subprotocol on one port, the station's first offered that the bench
accepts; the session and its endpoint speak it, across reconnections on another one."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect
from websockets.datastructures import Headers
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.csms.server import choose_version, offered_subprotocols
from chargecheck.protocol.versions import OCPP16, OCPP201
from tests.conftest import UNIT, RawStation

BOTH = (OCPP16, OCPP201)
BOOT_16 = {"chargePointVendor": "V", "chargePointModel": "M"}
BOOT_201 = {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}}


@pytest.mark.parametrize(
    ("offered", "accepted", "chosen"),
    [
        (["ocpp2.0.1", "ocpp1.6"], BOTH, OCPP201),
        (["ocpp1.6", "ocpp2.0.1"], BOTH, OCPP16),
        (["ocpp1.5", "ocpp2.0.1"], BOTH, OCPP201),
        (["ocpp2.0.1", "ocpp1.6"], (OCPP16,), OCPP16),
        (["ocpp2.0.1"], (OCPP16,), None),
        (["OCPP1.6"], BOTH, None),  # subprotocols are case-sensitive tokens
        ([], BOTH, None),
    ],
)
def test_the_version_is_the_stations_first_offered_that_the_bench_accepts(
    offered, accepted, chosen
):
    assert choose_version(offered, accepted) is chosen


@pytest.mark.parametrize(
    ("offered", "preferred", "chosen"),
    [
        (["ocpp2.0.1", "ocpp1.6"], OCPP16, OCPP16),  # the run's script is for 1.6
        (["ocpp1.6", "ocpp2.0.1"], OCPP201, OCPP201),
        (["ocpp2.0.1"], OCPP16, OCPP201),  # not offered: the station's own choice
        (["ocpp1.5"], OCPP16, None),
    ],
)
def test_the_version_the_run_prefers_wins_when_the_station_offers_it(offered, preferred, chosen):
    assert choose_version(offered, BOTH, preferred) is chosen


def test_a_preferred_version_must_be_one_accepted():
    with pytest.raises(ValueError, match="preferred_version"):
        ServerSettings(ocpp_versions=("1.6",), preferred_version="2.0.1")


def test_offered_subprotocols_are_read_in_order_over_several_headers():
    headers = Headers([("Sec-WebSocket-Protocol", "ocpp2.0.1, ocpp1.6")])
    headers["Sec-WebSocket-Protocol"] = "x ,"
    assert offered_subprotocols(headers) == ["ocpp2.0.1", "ocpp1.6", "x"]


@pytest.mark.parametrize("versions", [(), ("1.6", "2.1")])
def test_settings_name_only_versions_the_bench_speaks(versions):
    with pytest.raises(ValueError, match="OCPP"):
        ServerSettings(ocpp_versions=versions)


def test_settings_accept_both_versions_by_default():
    assert ServerSettings().versions == (OCPP16, OCPP201)


async def _station(cs: CentralSystem, offered: list[str], identity: str = "CP1") -> RawStation:
    return RawStation(
        await connect(cs.url(identity), subprotocols=[Subprotocol(p) for p in offered])
    )


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [(["ocpp2.0.1", "ocpp1.6"], OCPP201), (["ocpp1.6", "ocpp2.0.1"], OCPP16)],
)
async def test_a_station_offering_both_gets_its_first_and_is_answered_in_it(
    central, journal, offered, chosen
):
    station = await _station(central, offered)
    assert station.ws.subprotocol == chosen.subprotocol
    session = await central.wait_for_station("CP1", 10 * UNIT)
    assert session.version is chosen
    boot = BOOT_201 if chosen is OCPP201 else BOOT_16
    reply = await station.call("BootNotification", boot)
    assert reply[0] == 3 and reply[2]["status"] == "Accepted"
    connect_entry = next(e for e in journal.entries(central.run_id) if e.kind == "connect")
    assert connect_entry.detail["subprotocol"] == chosen.subprotocol
    assert "previous_version" not in connect_entry.detail
    await station.ws.close()


async def test_a_bench_accepting_only_1_6_refuses_a_2_0_1_station_naming_what_it_accepts(journal):
    settings = ServerSettings(port=0, ping_interval=None, ocpp_versions=("1.6",))
    async with CentralSystem(journal, settings) as cs:
        cs.run_id = journal.start_run("only 1.6")
        with pytest.raises(InvalidStatus) as caught:
            await _station(cs, ["ocpp2.0.1"])
        assert caught.value.response.status_code == 400
        assert b"subprotocol ocpp1.6 is required" in caught.value.response.body
        station = await _station(cs, ["ocpp2.0.1", "ocpp1.6"])
        assert station.ws.subprotocol == "ocpp1.6"
        await station.ws.close()
    reasons = [e.detail["reason"] for e in journal.entries(cs.run_id) if e.kind == "refuse"]
    assert reasons == ["subprotocol ocpp1.6 is required (offered: ['ocpp2.0.1'])"]


async def test_a_station_reconnecting_on_another_version_gets_an_endpoint_of_it(central, journal):
    first = await _station(central, ["ocpp1.6"])
    session = await central.wait_for_station("CP1", 10 * UNIT)
    assert (await first.call("BootNotification", BOOT_16))[2]["status"] == "Accepted"
    await first.ws.close()
    await session.wait_disconnected(10 * UNIT)

    second = await _station(central, ["ocpp2.0.1"])
    await session.wait_new_connection(1, 10 * UNIT)
    assert session.version is OCPP201
    assert (await second.call("BootNotification", BOOT_201))[2]["status"] == "Accepted"
    # The 1.6 boot is now judged by 2.0.1's schema and answered in 2.0.1's spelling.
    rejected = await second.call("BootNotification", BOOT_16)
    assert rejected[0] == 4 and rejected[2] == "OccurrenceConstraintViolation"
    await second.ws.close()
    await session.wait_disconnected(10 * UNIT)

    connects = [e.detail for e in journal.entries(central.run_id) if e.kind == "connect"]
    assert [(c["subprotocol"], c.get("previous_version")) for c in connects] == [
        ("ocpp1.6", None),
        ("ocpp2.0.1", "1.6"),
    ]
    assert [m.action for m in session.inbox] == ["BootNotification"] * 3
    assert [m.valid for m in session.inbox] == [True, True, False]
    frames = [json.loads(e.raw) for e in journal.entries(central.run_id) if e.kind == "frame_out"]
    assert [f[0] for f in frames] == [3, 3, 4]
