"""An override may withhold the bench's answer to a station CALL, or answer it with a
CALLERROR (``answers.NoAnswer``, ``answers.ErrorAnswer``): what OCPP 2.0.1 E13 cases need
to make a TransactionEvent fail. Over a real WebSocket on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest

from chargecheck.csms.answers import ErrorAnswer, NoAnswer
from tests.conftest import UNIT, open_station


def _silent(payload):
    raise NoAnswer


def _failing(payload):
    raise ErrorAnswer("InternalError", "not processed")


async def test_a_withheld_answer_sends_nothing_and_the_call_is_still_seen(central, journal):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    with session.answers.override("Heartbeat", _silent):
        await station.send_raw('[2, "h1", "Heartbeat", {}]')
        with pytest.raises(asyncio.TimeoutError):
            await station.recv(timeout=2 * UNIT)
    message = await session.expect("Heartbeat", timeout=5 * UNIT)
    assert message.unique_id == "h1" and message.index not in session.replies
    assert (await station.call("Heartbeat", {}))[0] == 3  # the next one is answered
    kinds = [e.kind for e in journal.entries(central.run_id)]
    assert "no_answer" in kinds and "bench_error" not in kinds
    assert session.unanswered == 0
    await station.ws.close()


async def test_an_error_answer_is_a_callerror_with_the_chosen_code(central, journal):
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    with session.answers.override("Heartbeat", _failing):
        reply = await station.call("Heartbeat", {})
    assert reply[:4] == [4, "s1", "InternalError", "not processed"]
    assert (await station.call("Heartbeat", {}))[0] == 3
    kinds = [e.kind for e in journal.entries(central.run_id)]
    assert "bench_error" not in kinds
    await station.ws.close()
