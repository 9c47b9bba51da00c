"""The Session API over a real WebSocket on 127.0.0.1: call, expect, timeouts, reconnect."""

from __future__ import annotations

import asyncio
import json

import pytest

from chargecheck.csms import (
    CallErrorReceived,
    CallTimeout,
    Cursor,
    ExpectTimeout,
    InvalidResult,
    NotConnected,
)
from tests.conftest import UNIT, open_station

STATUS = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}


async def test_boot_notification_is_answered_from_the_configured_answers(central, journal):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    session.answers.heartbeat_interval = 60
    reply = await station.call(
        "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}
    )
    assert reply[0] == 3 and reply[2]["status"] == "Accepted" and reply[2]["interval"] == 60
    kinds = [e.kind for e in journal.entries(central.run_id)]
    assert kinds == ["connect", "frame_in", "frame_out"]
    await station.ws.close()


async def test_results_are_matched_by_unique_id_even_out_of_order(central):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    first = asyncio.create_task(session.call("ClearCache", {}, timeout=10 * UNIT))
    second = asyncio.create_task(
        session.call("GetConfiguration", {"key": ["HeartbeatInterval"]}, timeout=10 * UNIT)
    )
    calls = [await station.recv(), await station.recv()]
    by_action = {c[2]: c[1] for c in calls}
    await station.send_raw(json.dumps([3, by_action["GetConfiguration"], {"unknownKey": ["x"]}]))
    await station.send_raw(json.dumps([3, by_action["ClearCache"], {"status": "Rejected"}]))
    assert await first == {"status": "Rejected"}
    result = await second
    assert result == {"unknownKey": ["x"]}
    assert result.entry_id > result.call_entry_id > 0
    await station.ws.close()


async def test_expect_sees_messages_that_arrived_before_it_once_per_cursor(central):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    cursor = session.mark()
    await station.call("StatusNotification", STATUS)
    found = await session.expect(
        "StatusNotification", where=lambda p: p["connectorId"] == 1, timeout=UNIT, cursor=cursor
    )
    assert found.payload == STATUS
    with pytest.raises(ExpectTimeout) as caught:
        await session.expect("StatusNotification", timeout=UNIT, cursor=cursor)
    assert [m.action for m in caught.value.arrived] == ["StatusNotification"]
    again = await session.expect("StatusNotification", timeout=UNIT, cursor=Cursor())
    assert again.index == found.index
    await station.ws.close()


async def test_expect_waits_for_a_message_that_arrives_later(central):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    cursor = session.mark()
    waiting = asyncio.create_task(session.expect("Heartbeat", timeout=10 * UNIT, cursor=cursor))
    await asyncio.sleep(UNIT / 4)
    await station.call("Heartbeat", {})
    assert (await waiting).action == "Heartbeat"
    await station.ws.close()


async def test_expect_ignores_messages_that_do_not_match_the_predicate(central):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    await station.call("StatusNotification", STATUS)
    with pytest.raises(ExpectTimeout, match="StatusNotification"):
        await session.expect(
            "StatusNotification", where=lambda p: p["connectorId"] == 2, timeout=UNIT
        )
    await station.ws.close()


async def test_call_without_answer_times_out_and_the_late_answer_is_journaled(central, journal):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    with pytest.raises(CallTimeout) as caught:
        await session.call("ClearCache", {}, timeout=UNIT)
    assert "ClearCache" in str(caught.value)
    call = await station.recv()
    await station.send_raw(json.dumps([3, call[1], {"status": "Accepted"}]))
    await station.call("Heartbeat", {})  # the connection still works afterwards
    kinds = [e.kind for e in journal.entries(central.run_id)]
    assert "late_reply" in kinds
    await station.ws.close()


async def test_call_error_and_schema_invalid_results_raise(central):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    failing = asyncio.create_task(session.call("ClearCache", {}, timeout=10 * UNIT))
    call = await station.recv()
    await station.send_raw(json.dumps([4, call[1], "NotImplemented", "no cache", {}]))
    with pytest.raises(CallErrorReceived) as caught:
        await failing
    assert caught.value.code == "NotImplemented"
    invalid = asyncio.create_task(session.call("ClearCache", {}, timeout=10 * UNIT))
    call = await station.recv()
    await station.send_raw(json.dumps([3, call[1], {"status": "Maybe"}]))
    with pytest.raises(InvalidResult) as bad:
        await invalid
    assert bad.value.payload == {"status": "Maybe"}
    await station.ws.close()


async def test_a_reconnecting_station_gets_the_same_session_with_its_inbox(central, journal):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    await station.call("Heartbeat", {})
    await station.ws.close()
    await session.wait_disconnected(10 * UNIT)
    with pytest.raises(NotConnected):
        await session.call("ClearCache", {}, timeout=UNIT)
    station = await open_station(central)
    again = await central.wait_for_station("CP1", 10 * UNIT)
    assert again is session and session.connections == 2
    await station.call("Heartbeat", {})
    assert [m.connection for m in session.received("Heartbeat")] == [1, 2]
    events = [e for e in journal.entries(central.run_id) if not e.is_frame]
    assert [e.kind for e in events] == ["connect", "close", "connect"]
    assert "gap_s" not in events[0].detail and events[2].detail["gap_s"] >= 0
    await station.ws.close()


async def test_a_pending_call_fails_when_the_station_drops(central):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    pending = asyncio.create_task(session.call("ClearCache", {}, timeout=10 * UNIT))
    await station.recv()
    await station.ws.close()
    with pytest.raises(NotConnected):
        await pending


async def test_answers_can_be_overridden_for_a_case(central):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    session.answers.id_tags["BAD"] = "Blocked"
    assert (await station.call("Authorize", {"idTag": "BAD"}))[2] == {
        "idTagInfo": {"status": "Blocked"}
    }
    with session.answers.override("Authorize", lambda p: {"idTagInfo": {"status": "Expired"}}):
        assert (await station.call("Authorize", {"idTag": "OK"}))[2]["idTagInfo"][
            "status"
        ] == "Expired"
    assert (await station.call("Authorize", {"idTag": "OK"}))[2]["idTagInfo"][
        "status"
    ] == "Accepted"
    start = {"connectorId": 1, "idTag": "OK", "meterStart": 0, "timestamp": "2020-02-18T14:28:27Z"}
    ids = [(await station.call("StartTransaction", start))[2]["transactionId"] for _ in range(3)]
    assert ids == sorted(set(ids))
    await station.ws.close()


async def test_frames_sent_just_before_a_close_are_all_read_and_journaled(central, journal):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    reset = asyncio.create_task(session.call("Reset", {"type": "Hard"}, timeout=10 * UNIT))
    call = await station.recv()
    # A station rebooting: its own CALL, the answer to ours, and the close, back to back.
    await station.send_raw(json.dumps([2, "last", "StatusNotification", STATUS]))
    await station.send_raw(json.dumps([3, call[1], {"status": "Accepted"}]))
    await station.ws.close()
    assert await reset == {"status": "Accepted"}
    entries = list(journal.entries(central.run_id))
    raws = [e.raw for e in entries if e.kind == "frame_in"]
    assert any('"last"' in r for r in raws) and any(call[1] in r for r in raws)
    assert "send_failed" in [e.kind for e in entries]


async def test_a_broken_answer_of_the_bench_is_an_internal_error_not_a_crash(central, journal):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)

    def broken(payload):
        raise RuntimeError("bug in a case's override")

    with session.answers.override("Authorize", broken):
        reply = await station.call("Authorize", {"idTag": "X"})
    assert reply[:3] == [4, "s1", "InternalError"]
    with session.answers.override("Authorize", lambda p: {"idTagInfo": {"status": "Maybe"}}):
        assert (await station.call("Authorize", {"idTag": "X"}))[2] == "InternalError"
    assert (await station.call("Heartbeat", {}))[0] == 3
    kinds = [e.kind for e in journal.entries(central.run_id)]
    assert kinds.count("bench_error") == 2
    await station.ws.close()
