"""The station over a real WebSocket to the project's Central System: boot, heartbeat,
statuses, Reset, ChangeAvailability, configuration, TriggerMessage (OCPP 1.6 ch. 4, 5)."""

from __future__ import annotations

import asyncio

import pytest

from .boot_events import without_boot_events
from .conftest import SCALE, WAIT

BOOT_FIELDS = {
    "chargePointVendor": "Alfen BV",
    "chargePointModel": "NG920-61002",
    "chargePointSerialNumber": "ace0001593",
    "chargeBoxSerialNumber": "A00003",
    "firmwareVersion": "4.4.0-3106",
    "iccid": "89462038005003992030",
    "imsi": "240075811404511",
}


def statuses(session, cursor=None, connector=None) -> list[tuple[int, str]]:
    return [
        (m.payload["connectorId"], m.payload["status"])
        for m in session.received("StatusNotification", cursor)
        if connector is None or m.payload["connectorId"] == connector
    ]


async def test_boot_sends_the_alfen_identity_then_a_status_per_connector_including_zero(bench):
    _sim, session = await bench.start()
    boot = await session.expect("BootNotification", timeout=WAIT)
    assert boot.payload == BOOT_FIELDS
    for connector in (0, 1, 2):
        await session.expect(
            "StatusNotification",
            where=lambda p, c=connector: p["connectorId"] == c and p["status"] == "Available",
            timeout=WAIT,
        )
    first = [m.action for m in without_boot_events(session.inbox)[:4]]
    assert first == ["BootNotification"] + ["StatusNotification"] * 3


async def test_pending_boot_is_retried_after_the_interval_and_nothing_else_is_sent(bench, answers):
    from chargecheck.csms import Answers

    answers["CP1"] = Answers(boot_status="Pending", heartbeat_interval=20)
    sim = bench.station()
    await sim.start()
    session = await bench.cs.wait_for_station("CP1", WAIT)
    await session.expect("BootNotification", timeout=WAIT)
    second = await session.expect("BootNotification", timeout=WAIT)
    assert [m.action for m in session.inbox] == ["BootNotification", "BootNotification"]
    answers["CP1"].boot_status = "Accepted"
    await sim.wait_booted(WAIT)
    await session.expect("StatusNotification", timeout=WAIT)
    gap = second.mono - session.inbox[0].mono
    assert gap * SCALE >= 20 * 0.9  # the retry waited for the interval given


async def test_rejected_boot_sends_nothing_until_the_retry(bench, answers):
    from chargecheck.csms import Answers

    answers["CP1"] = Answers(boot_status="Rejected", heartbeat_interval=40)
    sim = bench.station(config={"ConnectionTimeOut": "600"})
    await sim.start()
    session = await bench.cs.wait_for_station("CP1", WAIT)
    await session.expect("BootNotification", timeout=WAIT)
    await sim.plug(1)  # a status change while Rejected must not be reported
    answers["CP1"].boot_status = "Accepted"
    await sim.wait_booted(WAIT)
    actions = [m.action for m in session.inbox]
    assert actions[:2] == ["BootNotification", "BootNotification"]
    preparing = await session.expect(
        "StatusNotification", where=lambda p: p["status"] == "Preparing", timeout=WAIT
    )
    assert preparing.index > 1


async def test_heartbeats_follow_the_boot_interval_then_a_changed_heartbeat_interval(
    bench, answers
):
    from chargecheck.csms import Answers

    answers["CP1"] = Answers(heartbeat_interval=10)
    _sim, session = await bench.start()
    first = await session.expect("Heartbeat", timeout=WAIT)
    second = await session.expect("Heartbeat", timeout=WAIT)
    assert (second.mono - first.mono) * SCALE == pytest.approx(10, rel=0.4)
    result = await session.call(
        "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "30"}, timeout=WAIT
    )
    assert result["status"] == "Accepted"
    cursor = session.mark()
    third = await session.expect("Heartbeat", timeout=WAIT, cursor=cursor)
    fourth = await session.expect("Heartbeat", timeout=WAIT, cursor=cursor)
    assert (fourth.mono - third.mono) * SCALE == pytest.approx(30, rel=0.4)


async def test_get_configuration_reports_every_key_with_readonly_and_value(bench):
    _sim, session = await bench.start()
    result = await session.call("GetConfiguration", {}, timeout=WAIT)
    keys = result["configurationKey"]
    assert len(keys) == 125
    assert all({"key", "readonly"} <= set(k) for k in keys)
    asked = await session.call(
        "GetConfiguration", {"key": ["HeartbeatInterval", "NoSuchKey"]}, timeout=WAIT
    )
    assert [k["key"] for k in asked["configurationKey"]] == ["HeartbeatInterval"]
    assert asked["unknownKey"] == ["NoSuchKey"]


async def test_changed_configuration_survives_a_reset(bench):
    sim, session = await bench.start()
    change = {"key": "MeterValueSampleInterval", "value": "60"}
    assert (await session.call("ChangeConfiguration", change, timeout=WAIT))["status"] == "Accepted"
    unknown = {"key": "NoSuchKey", "value": "1"}
    assert (await session.call("ChangeConfiguration", unknown, timeout=WAIT))[
        "status"
    ] == "NotSupported"
    readonly = {"key": "NumberOfConnectors", "value": "3"}
    assert (await session.call("ChangeConfiguration", readonly, timeout=WAIT))[
        "status"
    ] == "Rejected"
    cursor = session.mark()
    await session.call("Reset", {"type": "Soft"}, timeout=WAIT)
    await session.expect("BootNotification", timeout=WAIT, cursor=cursor)
    await sim.wait_booted(WAIT)
    result = await session.call(
        "GetConfiguration", {"key": ["MeterValueSampleInterval"]}, timeout=WAIT
    )
    assert result["configurationKey"][0]["value"] == "60"


@pytest.mark.parametrize("kind", ["Soft", "Hard"])
async def test_reset_ends_the_transaction_and_boots_again(bench, kind):
    sim, session = await bench.start()
    await sim.plug(1)
    await sim.present_id_tag(1, "TAG1")
    await session.expect("StartTransaction", timeout=WAIT)
    cursor = session.mark()
    result = await session.call("Reset", {"type": kind}, timeout=WAIT)
    assert result["status"] == "Accepted"
    stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    assert stop.payload["reason"] == f"{kind}Reset"
    boot = await session.expect("BootNotification", timeout=WAIT, cursor=cursor)
    if kind == "Soft":  # delivered before the reboot
        assert (stop.connection, boot.connection) == (1, 2)
    else:  # the hard reset cuts at once; the queue delivers it after the boot
        assert stop.connection == boot.connection == 2 and stop.index > boot.index
    await sim.wait_booted(WAIT)
    for connector in (0, 1, 2):
        await session.expect(
            "StatusNotification",
            where=lambda p, c=connector: p["connectorId"] == c,
            timeout=WAIT,
            cursor=cursor,
        )
    assert [m.action for m in session.received("StopTransaction", cursor)] == ["StopTransaction"]


async def test_change_availability_per_connector_and_for_the_whole_station(bench):
    sim, session = await bench.start()
    cursor = session.mark()
    inoperative = {"connectorId": 2, "type": "Inoperative"}
    assert (await session.call("ChangeAvailability", inoperative, timeout=WAIT))[
        "status"
    ] == "Accepted"
    await session.expect(
        "StatusNotification",
        where=lambda p: p["connectorId"] == 2 and p["status"] == "Unavailable",
        timeout=WAIT,
        cursor=cursor,
    )
    await session.call("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}, WAIT)
    for connector in (0, 1):
        await session.expect(
            "StatusNotification",
            where=lambda p, c=connector: p["connectorId"] == c and p["status"] == "Unavailable",
            timeout=WAIT,
            cursor=cursor,
        )
    await session.call("ChangeAvailability", {"connectorId": 0, "type": "Operative"}, WAIT)
    for connector in (0, 1, 2):
        await session.expect(
            "StatusNotification",
            where=lambda p, c=connector: p["connectorId"] == c and p["status"] == "Available",
            timeout=WAIT,
            cursor=cursor,
        )
    assert [sim.status(c) for c in (0, 1, 2)] == ["Available"] * 3


async def test_change_availability_during_a_transaction_is_scheduled_until_it_ends(bench):
    sim, session = await bench.start()
    await sim.plug(1)
    await sim.present_id_tag(1, "TAG1")
    await session.expect("StartTransaction", timeout=WAIT)
    request = {"connectorId": 1, "type": "Inoperative"}
    assert (await session.call("ChangeAvailability", request, WAIT))["status"] == "Scheduled"
    assert sim.status(1) == "Charging"
    cursor = session.mark()
    await sim.present_id_tag(1, "TAG1")  # the same card stops the transaction
    await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    await session.expect(
        "StatusNotification",
        where=lambda p: p["connectorId"] == 1 and p["status"] == "Unavailable",
        timeout=WAIT,
        cursor=cursor,
    )


async def test_unlock_connector_stops_the_transaction_with_unlock_command(bench):
    sim, session = await bench.start()
    await sim.plug(2)
    await sim.present_id_tag(2, "TAG1")
    await session.expect("StartTransaction", timeout=WAIT)
    result = await session.call("UnlockConnector", {"connectorId": 2}, WAIT)
    assert result["status"] == "Unlocked"
    stop = await session.expect("StopTransaction", timeout=WAIT)
    assert stop.payload["reason"] == "UnlockCommand"
    assert (await session.call("UnlockConnector", {"connectorId": 9}, WAIT))[
        "status"
    ] == "NotSupported"


async def test_clear_cache_data_transfer_and_unsupported_actions_are_answered(bench):
    _sim, session = await bench.start()
    assert (await session.call("ClearCache", {}, WAIT))["status"] == "Accepted"
    vendor = await session.call("DataTransfer", {"vendorId": "Alfen BV", "messageId": "x"}, WAIT)
    assert vendor["status"] == "UnknownMessageId"
    other = await session.call("DataTransfer", {"vendorId": "Someone"}, WAIT)
    assert other["status"] == "UnknownVendorId"
    whole_station = {**_reservation(), "connectorId": 0}  # ReserveConnectorZeroSupported false
    assert (await session.call("ReserveNow", whole_station, WAIT))["status"] == "Rejected"
    # The security extension is implemented (tests/sim/test_security.py): nothing installed.
    installed = await session.call(
        "GetInstalledCertificateIds", {"certificateType": "CentralSystemRootCertificate"}, WAIT
    )
    assert installed == {"status": "NotFound"}


def _reservation() -> dict:
    return {
        "connectorId": 1,
        "expiryDate": "2030-01-01T00:00:00Z",
        "idTag": "TAG1",
        "reservationId": 1,
    }


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("BootNotification", "BootNotification"),
        ("Heartbeat", "Heartbeat"),
        ("StatusNotification", "StatusNotification"),
        ("MeterValues", "MeterValues"),
        ("FirmwareStatusNotification", "FirmwareStatusNotification"),
        ("DiagnosticsStatusNotification", "DiagnosticsStatusNotification"),
    ],
)
async def test_trigger_message_sends_the_requested_message(bench, requested, expected):
    _sim, session = await bench.start()
    await session.expect("StatusNotification", where=lambda p: p["connectorId"] == 2)
    cursor = session.mark()
    request = {"requestedMessage": requested, "connectorId": 1}
    assert (await session.call("TriggerMessage", request, WAIT))["status"] == "Accepted"
    message = await session.expect(expected, timeout=WAIT, cursor=cursor)
    if requested == "StatusNotification":
        assert message.payload["connectorId"] == 1
    if requested.endswith("StatusNotification") and requested != "StatusNotification":
        assert message.payload["status"] == "Idle"
    if requested == "MeterValues":
        contexts = {v["context"] for v in message.payload["meterValue"][0]["sampledValue"]}
        assert contexts == {"Trigger"}
    # A triggered boot does not announce the connectors again.
    await asyncio.sleep(0.2)
    assert len(session.received("StatusNotification", cursor)) == (
        1 if requested == "StatusNotification" else 0
    )
