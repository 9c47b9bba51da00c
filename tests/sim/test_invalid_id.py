"""A transaction whose StartTransaction.conf does not accept its idTag (one started
offline, then refused): OCPP 1.6 sections 3.5.4 and 4.8, StopTransactionOnInvalidId (9.1)
true stops it with reason DeAuthorized, false only stops the energy (SuspendedEVSE)."""

from __future__ import annotations

import asyncio

import pytest

from chargecheck.csms import Answers

from .conftest import SCALE, WAIT


async def _refused_after_offline_start(bench, answers, stop_on_invalid: str, **options):
    answers["CP1"] = Answers(heartbeat_interval=3600, id_tags={"REFUSED": "Invalid"})
    config = {
        "AllowOfflineTxForUnknownId": "true",
        "StopTransactionOnInvalidId": stop_on_invalid,
        "MeterValuesSampledData": "Power.Active.Import",
    }
    sim, session = await bench.start(config=config, **options)
    await sim.go_offline()
    await sim.plug(1)
    await sim.present_id_tag(1, "REFUSED")
    cursor = session.mark()
    await sim.go_online()
    await session.wait_connected(WAIT)
    start = await session.expect("StartTransaction", timeout=WAIT, cursor=cursor)
    assert session.replies[start.index]["idTagInfo"]["status"] == "Invalid"
    return sim, session, cursor


async def test_with_stop_transaction_on_invalid_id_true_the_transaction_stops_deauthorized(
    bench, answers
):
    _, session, cursor = await _refused_after_offline_start(bench, answers, "true")
    stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    assert stop.payload["reason"] == "DeAuthorized"


async def test_with_stop_transaction_on_invalid_id_false_only_the_energy_stops(bench, answers):
    sim, session, cursor = await _refused_after_offline_start(bench, answers, "false")
    await session.expect(
        "StatusNotification",
        lambda p: p["connectorId"] == 1 and p["status"] == "SuspendedEVSE",
        WAIT,
        cursor,
    )
    await asyncio.sleep(30 / SCALE)
    assert session.received("StopTransaction", cursor) == []
    power = [
        float(sv["value"])
        for m in session.received("MeterValues", cursor)[-1:]
        for mv in m.payload["meterValue"]
        for sv in mv["sampledValue"]
        if sv.get("measurand") == "Power.Active.Import" and "phase" not in sv
    ]
    assert power == [0.0]  # the latest sample: no energy flows
    await sim.unplug(1)
    stop = await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    assert stop.payload["reason"] == "EVDisconnected"  # still a transaction, till the end


@pytest.mark.parametrize("stop_on_invalid", ["true", "false"])
async def test_an_accepted_offline_start_charges_on_either_way(bench, answers, stop_on_invalid):
    config = {"AllowOfflineTxForUnknownId": "true", "StopTransactionOnInvalidId": stop_on_invalid}
    sim, session = await bench.start(config=config)
    await sim.go_offline()
    await sim.plug(1)
    await sim.present_id_tag(1, "GOOD")
    cursor = session.mark()
    await sim.go_online()
    await session.expect("StartTransaction", timeout=WAIT, cursor=cursor)
    await asyncio.sleep(30 / SCALE)
    statuses = [m.payload["status"] for m in session.received("StatusNotification", cursor)]
    assert "SuspendedEVSE" not in statuses and session.received("StopTransaction", cursor) == []


@pytest.mark.parametrize("stop_on_invalid", ["true", "false"])
async def test_the_variant_invalid_id_keeps_charging_ignores_the_refusal(
    bench, answers, stop_on_invalid
):
    options = {"variants": {"invalid_id_keeps_charging"}}
    _, session, cursor = await _refused_after_offline_start(
        bench, answers, stop_on_invalid, **options
    )
    await asyncio.sleep(30 / SCALE)
    statuses = [m.payload["status"] for m in session.received("StatusNotification", cursor)]
    assert "SuspendedEVSE" not in statuses and session.received("StopTransaction", cursor) == []
