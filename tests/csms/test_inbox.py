"""The inbox keeps each CALL as the frame it arrived in and parses its payload on use."""

from __future__ import annotations

from tests.conftest import UNIT, open_station

STATUS = {"connectorId": 2, "errorCode": "NoError", "status": "Preparing", "info": "été"}


async def test_an_inbox_message_keeps_its_frame_and_parses_the_payload_once(central):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    await station.call("StatusNotification", STATUS)
    (message,) = session.received("StatusNotification")
    assert '"StatusNotification"' in message.frame
    assert message.payload == STATUS
    assert message.payload is message.payload  # parsed on first use, then kept
    found = await session.expect(
        "StatusNotification", where=lambda p: p["info"] == "été", timeout=UNIT
    )
    assert found == message and found.payload is message.payload  # one parse, cached
    await station.ws.close()


async def test_the_inbox_holds_nothing_the_garbage_collector_walks(central):
    """A fleet's CALLs stay in the inbox: kept as tuples of atomic values, which the
    collector stops tracking, so a full collection does not walk them."""
    import gc

    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    for _ in range(3):
        await station.call("StatusNotification", STATUS)
    gc.collect()
    rows = session.inbox._rows
    assert len(rows) == 3 and not any(gc.is_tracked(row) for row in rows)
    assert [m.action for m in session.inbox] == ["StatusNotification"] * 3
    assert session.inbox[-1].index == 2 and session.inbox[1:][0].index == 1
    await station.ws.close()


async def test_a_binary_call_is_kept_as_bytes_and_parsed_from_them(central):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    await station.send_raw(b'[2,"b1","Authorize",{"idTag":"12345678901234567890"}]')
    assert (await station.recv())[:2] == [3, "b1"]
    (message,) = session.received("Authorize")
    assert message.frame == b'[2,"b1","Authorize",{"idTag":"12345678901234567890"}]'
    assert message.payload == {"idTag": "12345678901234567890"}
    await station.ws.close()


async def test_a_rejected_call_is_in_the_inbox_as_invalid_with_its_payload(central):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    await station.send_raw('[2,"r1","Authorize",{"idTag":5}]')
    assert (await station.recv())[:3] == [4, "r1", "TypeConstraintViolation"]
    (message,) = session.received("Authorize")
    assert not message.valid and message.payload == {"idTag": 5}
    await station.ws.close()
