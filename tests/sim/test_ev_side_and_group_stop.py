"""The EV side disconnecting and a card of the same group, over a real WebSocket
(``chargecheck.sim.stopping``; OCPP 1.6 sections 4.10, 5.18, 7.14, 9.1), and the defects
that bend them (ConnectionTimeOut, a remote start on a busy connector)."""

from __future__ import annotations

import asyncio
import random

import pytest

from chargecheck.csms import Answers
from chargecheck.csms.session import Cursor

from .conftest import SCALE, WAIT
from .test_station_model import Pair, check_status_sequences, check_transactions, random_step


def is_status(connector: int, status: str):
    return lambda p: p["connectorId"] == connector and p["status"] == status


async def _charging(sim, session, tag: str = "TAGA") -> None:
    cursor = session.mark()
    await sim.plug(1)
    await sim.present_id_tag(1, tag)
    await session.expect("StatusNotification", is_status(1, "Charging"), WAIT, cursor)


async def test_unlock_false_keeps_the_cable_locked_until_its_idtag_is_shown(bench):
    config = {"UnlockConnectorOnEVSideDisconnect": "false"}
    sim, session = await bench.start(config=config)
    await _charging(sim, session)
    cursor = session.mark()
    await sim.unplug(1)
    stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    assert stop.payload["reason"] == "EVDisconnected"
    await session.expect("StatusNotification", is_status(1, "Finishing"), WAIT, cursor)
    await sim.present_id_tag(1, "SOMEONE")  # not the one the cable waits for
    await asyncio.sleep(0.3)
    assert not [
        m
        for m in session.received("StatusNotification", cursor)
        if is_status(1, "Available")(m.payload)
    ]
    await sim.present_id_tag(1, "taga")  # CiString20: any case
    await session.expect("StatusNotification", is_status(1, "Available"), WAIT, cursor)


async def test_unlock_true_frees_the_cable_when_the_ev_leaves(bench):
    sim, session = await bench.start()
    await _charging(sim, session)
    cursor = session.mark()
    await sim.unplug(1)
    await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    await session.expect("StatusNotification", is_status(1, "Available"), WAIT, cursor)
    finishing = [
        m
        for m in session.received("StatusNotification", cursor)
        if is_status(1, "Finishing")(m.payload)
    ]
    assert not finishing


async def test_stop_false_keeps_the_transaction_until_a_remote_stop_then_unlock_frees_it(bench):
    config = {
        "StopTransactionOnEVSideDisconnect": "false",
        "UnlockConnectorOnEVSideDisconnect": "false",
    }
    sim, session = await bench.start(config=config)
    await _charging(sim, session)
    cursor = session.mark()
    await sim.unplug(1)
    await session.expect("StatusNotification", is_status(1, "SuspendedEV"), WAIT, cursor)
    await sim.plug(1)  # the EV is back: energy again, same transaction
    await session.expect("StatusNotification", is_status(1, "Charging"), WAIT, cursor)
    await sim.unplug(1)
    tx = sim.transaction_id(1)
    assert session.received("StopTransaction", cursor) == [] and tx is not None
    result = await session.call("RemoteStopTransaction", {"transactionId": tx}, WAIT)
    assert result["status"] == "Accepted"
    stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    assert stop.payload["reason"] == "Remote"
    await session.expect("StatusNotification", is_status(1, "Finishing"), WAIT, cursor)
    unlock = await session.call("UnlockConnector", {"connectorId": 1}, WAIT)
    assert unlock["status"] == "Unlocked"
    await session.expect("StatusNotification", is_status(1, "Available"), WAIT, cursor)


async def test_a_card_of_the_same_parent_stops_the_transaction_after_an_authorize(bench, answers):
    answers["CP1"] = Answers(parents={"TAGA": "GROUP", "TAGB": "GROUP", "TAGC": "OTHER"})
    sim, session = await bench.start()
    await _charging(sim, session)
    cursor = session.mark()
    await sim.present_id_tag(1, "TAGC")  # asked about, another group: goes on
    await session.expect("Authorize", lambda p: p["idTag"] == "TAGC", WAIT, cursor)
    await sim.present_id_tag(1, "TAGB")
    stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    assert stop.payload["idTag"] == "TAGB" and stop.payload["reason"] == "Local"
    asked = [m.payload["idTag"] for m in session.received("Authorize", cursor)]
    assert asked == ["TAGC", "TAGB"]


async def _ignored_unasked(sim, session, tag: str) -> Cursor:
    """``tag`` shown at connector 1 neither asks the Central System (no Authorize.req) nor
    stops the transaction; the cursor from before it was shown."""
    cursor = session.mark()
    await sim.present_id_tag(1, tag)
    await asyncio.sleep(0.3)
    assert session.received("Authorize", cursor) == []
    assert session.received("StopTransaction", cursor) == []
    return cursor


async def test_no_group_stop_ignores_a_card_of_the_same_parent_unasked(bench, answers):
    answers["CP1"] = Answers(parents={"TAGA": "GROUP", "TAGB": "GROUP"})
    sim, session = await bench.start(variants={"no_group_stop"})
    await _charging(sim, session)
    cursor = await _ignored_unasked(sim, session, "TAGB")
    await sim.present_id_tag(1, "TAGA")  # the starting card still stops it
    await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)


async def test_a_transaction_without_a_parent_ignores_other_cards_unasked(bench):
    sim, session = await bench.start()
    await _charging(sim, session)
    await _ignored_unasked(sim, session, "TAGB")


async def test_connection_timeout_ignored_leaves_an_identified_connector_preparing(bench):
    sim, session = await bench.start(defects={"connection_timeout_ignored"})
    cursor = session.mark()
    await sim.present_id_tag(1, "TAGA")
    await session.expect("StatusNotification", is_status(1, "Preparing"), WAIT, cursor)
    await asyncio.sleep(40 / SCALE)  # twice ConnectionTimeOut (20 s station time)
    statuses = [m.payload["status"] for m in session.received("StatusNotification", cursor)]
    assert statuses == ["Preparing"]


async def test_remote_start_busy_accepted_answers_accepted_and_starts_nothing(bench):
    sim, session = await bench.start(defects={"remote_start_busy_accepted"})
    await _charging(sim, session)
    cursor = session.mark()
    payload = {"connectorId": 1, "idTag": "TAGB"}
    assert (await session.call("RemoteStartTransaction", payload, WAIT))["status"] == "Accepted"
    await asyncio.sleep(0.3)
    assert session.received("StartTransaction", cursor) == []


async def test_a_busy_connector_rejects_a_remote_start_and_connector_zero_too(bench):
    sim, session = await bench.start()
    await _charging(sim, session)
    for connector_id in (1, 0):
        payload = {"connectorId": connector_id, "idTag": "TAGB"}
        result = await session.call("RemoteStartTransaction", payload, WAIT)
        assert result["status"] == "Rejected", connector_id


@pytest.mark.parametrize("stop", ["true", "false"])
@pytest.mark.parametrize("seed", range(3))
def test_random_walks_with_the_ev_side_keys_keep_the_status_table_and_transactions(
    tmp_path, seed, stop
):
    """Both EV side keys at work (the cable held, the transaction kept or stopped) under
    random acts: every reported transition is one of section 4.9's."""
    rng = random.Random(seed)
    pair = Pair(tmp_path / "s.sqlite")
    pair.connect()
    for key, value in (
        ("StopTransactionOnEVSideDisconnect", stop),
        ("UnlockConnectorOnEVSideDisconnect", "false"),
    ):
        assert pair.call("ChangeConfiguration", {"key": key, "value": value}) == {
            "status": "Accepted"
        }
    pair.step(pair.station.plug, 1)
    pair.step(pair.station.present_id_tag, 1, "A")
    pair.step(pair.station.unplug, 1)  # the EV leaves: the cable stays locked for A
    assert pair.station.connector(1).cable_held == "A"
    held = 0
    for _ in range(400):
        random_step(pair, rng)
        held += any(c.cable_held for c in pair.station.outlets)
    if not pair.online:
        pair.connect()
    pair.advance(600)
    check_status_sequences(pair)
    check_transactions(pair)
    assert held  # the walk did hold a cable at some point
